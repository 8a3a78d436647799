"""Assemble and run the runtime from settings: container, clock, window, logging of each scan."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import structlog

from application.runtime import RunSummary, Runtime
from application.scan_market import ScanConfig, ScanMarket, ScanOutcome, Status, kill_switch_guard
from domain.market import Pair
from domain.signals import Mode, TierThresholds
from entrypoints.candle_bootstrap import RuntimeFailure, build_candle_source
from entrypoints.container import Container, build_container
from entrypoints.logging_setup import configure_logging
from entrypoints.seeding import seed_everything
from entrypoints.settings import Settings, mask_url

DEFAULT_REPLAY_SPAN = timedelta(days=1)


def secrets_of(settings: Settings) -> list[str]:
    values = [settings.notifier.telegram_bot_token, settings.broker.mt5_password, settings.broker.metaapi_token]
    return [v.reveal() for v in values if v is not None]


def scan_config(settings: Settings) -> ScanConfig:
    sig = settings.signals
    return ScanConfig(
        pairs=tuple(Pair.parse(p) for p in settings.pairs),
        mode=Mode(settings.mode),
        thresholds=TierThresholds(high=sig.tier_high, medium=sig.tier_medium, low=sig.tier_low),
        reward_risk=sig.reward_risk,
        stop_atr_multiple=sig.stop_atr_multiple,
    )


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
    scan = ScanMarket(
        source=source, predictor=container.predictor(), signals=_build_store(container, settings),
        notifier=container.notifier(), guard=kill_switch_guard(lambda: settings.guards.kill_switch), config=config,
    )
    log.info("runtime_started", source=settings.candles.source, pairs=[p.symbol for p in config.pairs],
             start=start.isoformat(), until=until.isoformat() if until else None, speed=settings.runtime.speed,
             store=mask_url(settings.store.url), notifier=settings.notifier.name, predictor=settings.predictor.name)
    runtime = Runtime(clock=clock, scan=scan, interval=timedelta(minutes=settings.runtime.scan_interval_minutes),
                      stop=stop, on_scan=lambda at, outcomes: _log_outcomes(log, outcomes))
    try:
        summary = runtime.run(start, until)
    finally:
        _close(container.notifier())
    log.info("runtime_stopped", scans=summary.scans, emitted=summary.emitted, stopped_early=summary.stopped_early)
    return _summary_dict(summary, settings)


def _close(resource: object) -> None:
    close = getattr(resource, "close", None)
    if callable(close):
        close()


def _build_store(container: Container, settings: Settings) -> Any:
    try:
        return container.signal_repository()
    except Exception as exc:
        raise RuntimeFailure(f"cannot open the {settings.store.backend} store at {mask_url(settings.store.url)}: "
                             f"{type(exc).__name__}: {mask_url(str(exc).splitlines()[0])}") from None


def _clock_and_window(settings: Settings, source: Any, pairs: tuple[Pair, ...], start: datetime | None,
                      until: datetime | None, stop: threading.Event) -> tuple[Any, datetime, datetime | None]:
    from adapters.clock import ReplayClock, SystemClock

    if settings.candles.source == "binance":
        return SystemClock(stop), start or datetime.now(UTC), until
    start, until = replay_window(source, pairs, start, until)
    speed = None if settings.runtime.speed == "max" else float(settings.runtime.speed)
    return ReplayClock(start, speed=speed, stop=stop), start, until


def _log_outcomes(log: Any, outcomes: list[ScanOutcome]) -> None:
    for outcome in outcomes:
        fields: dict[str, Any] = {"pair": outcome.pair.symbol, "at": outcome.at.isoformat(),
                                  "lat_ms": round(outcome.latency_ms, 3)}
        if outcome.signal is not None:
            s = outcome.signal
            fields.update(tier=s.tier.value, conf=round(s.confidence, 4), direction=s.direction.value,
                          entry=s.entry, tp=round(s.take_profit, 6), sl=round(s.stop_loss, 6), rr=round(s.rr, 3),
                          signal_id=s.signal_id)
        if outcome.reasons:
            fields["reasons"] = list(outcome.reasons)
        if outcome.status in (Status.STORE_FAILED,):
            log.error("signal_not_recorded", **fields)
        elif outcome.status is Status.DENIED:
            log.warning("signal_denied", **fields)
        elif outcome.status is Status.EMITTED:
            log.info("signal_emitted", **fields)
            if outcome.notify_error:
                log.error("notify_failed", error=outcome.notify_error, **{k: fields[k] for k in ("pair", "signal_id")})
        else:
            log.debug("scan_" + outcome.status.value, **fields)


def _summary_dict(summary: RunSummary, settings: Settings) -> dict[str, Any]:
    return {
        "scans": summary.scans,
        "emitted": summary.emitted,
        "counts": dict(sorted(summary.counts.items())),
        "first_scan": summary.first_scan.isoformat() if summary.first_scan else None,
        "last_scan": summary.last_scan.isoformat() if summary.last_scan else None,
        "stopped_early": summary.stopped_early,
        "mode": settings.mode,
        "store": mask_url(settings.store.url),
    }
