"""Assemble and run the runtime from settings: container, clock, window, logging of each scan."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import structlog

from application.controls import controls_reader
from application.ports_risk import ControlRepository, RiskBookUnitOfWork
from application.runtime import Runtime
from application.scan_market import Controls, ScanConfig, ScanMarket
from domain.market import Pair
from domain.signals import Mode
from entrypoints.candle_bootstrap import RuntimeFailure, build_candle_source
from entrypoints.container import Container, build_container
from entrypoints.logging_setup import configure_logging
from entrypoints.runtime_log import log_report, summary_dict
from entrypoints.seeding import seed_everything
from entrypoints.settings import Settings, mask_url
from entrypoints.settings.domain_config import emission_config, hysteresis, tier_thresholds
from entrypoints.store_wait import open_when_up

DEFAULT_REPLAY_SPAN = timedelta(days=1)


def secrets_of(settings: Settings) -> list[str]:
    values = [settings.notifier.telegram_bot_token, settings.broker.mt5_password, settings.broker.metaapi_token]
    return [v.reveal() for v in values if v is not None]


def scan_config(settings: Settings) -> ScanConfig:
    sig = settings.signals
    return ScanConfig(
        pairs=tuple(Pair.parse(p) for p in settings.pairs),
        mode=Mode(settings.mode),
        emission=emission_config(settings),
        hysteresis=hysteresis(settings),
        initial_balance=settings.risk.initial_balance,
        max_hold=timedelta(minutes=settings.risk.max_hold_minutes),
        reward_risk=sig.reward_risk,
        stop_atr_multiple=sig.stop_atr_multiple,
    )


def default_controls(settings: Settings) -> Controls:
    return Controls(thresholds=tier_thresholds(settings), max_signals_per_hour=settings.signals.max_signals_per_hour,
                    max_signals_per_hour_high=settings.signals.max_signals_per_hour_high)


def replay_window(source: Any, pairs: tuple[Pair, ...], start: datetime | None,
                  until: datetime | None) -> tuple[datetime, datetime]:
    """Default replay window: the last day that every pair covers (a day's replay runs in seconds)."""
    coverages = {pair: source.coverage(pair) for pair in pairs}
    missing = [pair.symbol for pair, cov in coverages.items() if cov is None]
    if missing and (start is None or until is None):
        raise RuntimeFailure(f"no replay candles for {', '.join(missing)}: pass --replay PATH with <PAIR>.csv[.gz] "
                             "files, choose --pairs, or fetch candles with `tradeai data download`", usage=True)
    if until is None:
        until = min(cov[1] for cov in coverages.values() if cov is not None)
    if start is None:
        start = until - DEFAULT_REPLAY_SPAN
    return start, until


def run_runtime(settings: Settings, *, start: datetime | None, until: datetime | None, json_output: bool,
                install_signal_handlers: Callable[[threading.Event], None] | None = None,
                container: Container | None = None) -> dict[str, Any]:
    configure_logging(level=settings.log.level, fmt=settings.log.format, mode=settings.mode,
                      secrets=secrets_of(settings))
    log = structlog.get_logger("runtime")
    seed_everything(settings.seed)
    container = container or build_container(settings)
    if json_output and settings.notifier.name == "console":
        import sys

        from adapters.console import ConsoleNotifier

        container.notifier.override(ConsoleNotifier(sys.stderr))
    stop = container.stop_event()
    if install_signal_handlers is not None:
        install_signal_handlers(stop)
    source = build_candle_source(container, settings)
    config = scan_config(settings)
    clock, start, until = _clock_and_window(settings, source, config.pairs, start, until, stop)
    book, control_repo = open_when_up(lambda: (cast(RiskBookUnitOfWork, container.risk_book()),
                                               cast(ControlRepository, container.control_repository())),
                                      settings, stop)
    controls = controls_reader(default_controls(settings), control_repo, settings.guards.kill_switch,
                               on_error=lambda why: log.error("controls_unreadable", error=why))
    scan = ScanMarket(source=source, predictor=container.predictor(), book=book, notifier=container.notifier(),
                      config=config, controls=controls)
    log.info("runtime_started", source=settings.candles.source, pairs=[p.symbol for p in config.pairs],
             start=start.isoformat(), until=until.isoformat() if until else None, speed=settings.runtime.speed,
             store=mask_url(settings.store.url), notifier=settings.notifier.name, predictor=settings.predictor.name,
             account=container.account_name(), ruleset=settings.risk.ruleset)
    runtime = Runtime(clock=clock, scan=scan, interval=timedelta(minutes=settings.runtime.scan_interval_minutes),
                      stop=stop, on_scan=lambda report: log_report(log, report),
                      on_error=lambda at, exc: log.error("scan_failed", at=at.isoformat(),
                                                         error=f"{type(exc).__name__}: {mask_url(str(exc))}"))
    try:
        summary = runtime.run(start, until)
    finally:
        _close(container.notifier())
    log.info("runtime_stopped", scans=summary.scans, emitted=summary.emitted, stopped_early=summary.stopped_early)
    return summary_dict(summary, settings)


def _close(resource: object) -> None:
    close = getattr(resource, "close", None)
    if callable(close):
        close()


def _clock_and_window(settings: Settings, source: Any, pairs: tuple[Pair, ...], start: datetime | None,
                      until: datetime | None, stop: threading.Event) -> tuple[Any, datetime, datetime | None]:
    from adapters.clock import ReplayClock, SystemClock

    if settings.candles.source == "binance":
        return SystemClock(stop), start or datetime.now(UTC), until
    start, until = replay_window(source, pairs, start, until)
    speed = None if settings.runtime.speed == "max" else float(settings.runtime.speed)
    return ReplayClock(start, speed=speed, stop=stop), start, until
