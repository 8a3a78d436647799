"""Assemble and run the runtime from settings: container, clock, window, logging of each scan."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, TextIO

import attrs
import structlog

from application.brokers.day_start import balance_at
from application.data.ports import CandleSource, Clock
from application.runtime.controls import controls_reader
from application.runtime.loop import Runtime
from application.runtime.outbox_notifier import OutboxNotifier
from application.runtime.scan_market import ScanConfig, ScanMarket, ScanReport
from application.runtime.scan_outcome import Controls
from domain.execution.instruments import Instruments
from domain.market.candles import Pair
from domain.signals.signal import Mode
from entrypoints.bot_boot import start_runtime_bot
from entrypoints.candle_bootstrap import build_candle_source, candles_holder
from entrypoints.container import Container, RuntimeContainer, build_container
from entrypoints.execution_costs import announce_costs
from entrypoints.health_boot import start_health
from entrypoints.live_gate import refuse_unready_live
from entrypoints.logging_setup import configure_logging
from entrypoints.model_boot import boot_predictor, daily_monitor
from entrypoints.reconcile_boot import reconcile_at_start
from entrypoints.replay_window import replay_window
from entrypoints.runtime_console import Terminal
from entrypoints.runtime_delivery import start_delivery
from entrypoints.runtime_log import ScanLog, summary_dict
from entrypoints.seeding import seed_everything
from entrypoints.settings import Settings, mask_url
from entrypoints.settings.domain_config import emission_config, hysteresis, pattern_settings, tier_thresholds
from entrypoints.settings.store_url import url_secrets
from entrypoints.store_wait import open_when_up


def secrets_of(settings: Settings) -> list[str]:
    values = [settings.notifier.telegram_bot_token, settings.broker.mt5_password, settings.broker.metaapi_token,
              settings.broker.mt5_bridge_token, settings.execution.ticks_password]
    return [v.reveal() for v in values if v is not None] + url_secrets(settings.store.url)


def scan_config(settings: Settings, instruments: Instruments | None = None) -> ScanConfig:
    sig = settings.signals
    emission = emission_config(settings)
    return ScanConfig(
        pairs=tuple(Pair.parse(p) for p in settings.pairs),
        mode=Mode(settings.mode),
        emission=emission if instruments is None else attrs.evolve(emission, instruments=instruments),
        hysteresis=hysteresis(settings),
        initial_balance=settings.risk.initial_balance,
        max_hold=timedelta(minutes=settings.risk.max_hold_minutes),
        reward_risk=sig.reward_risk,
        stop_atr_multiple=sig.stop_atr_multiple,
        patterns=pattern_settings(settings),
    )


def default_controls(settings: Settings) -> Controls:
    return Controls(thresholds=tier_thresholds(settings), max_signals_per_hour=settings.signals.max_signals_per_hour,
                    max_signals_per_hour_high=settings.signals.max_signals_per_hour_high)


def run_runtime(settings: Settings, *, start: datetime | None, until: datetime | None, json_output: bool,
                install_signal_handlers: Callable[[threading.Event], None] | None = None,
                root: Container | None = None, stdout: TextIO | None = None,
                stderr: TextIO | None = None) -> dict[str, Any]:
    terminal = Terminal(stdout or sys.stdout, stderr or sys.stderr)
    configure_logging(level=terminal.log_level(settings.log.level, settings.log.format), fmt=settings.log.format,
                      mode=settings.mode, secrets=secrets_of(settings), stream=terminal.stderr)
    log = structlog.get_logger("runtime")
    seed_everything(settings.seed)
    root = root or build_container(settings)
    refuse_unready_live(root, settings, secrets_of(settings))
    container = root.runtime()
    _console_stream(container, terminal, json_output)
    stop = container.stop_event()
    if install_signal_handlers is not None:
        install_signal_handlers(stop)
    source = build_candle_source(root, settings)
    config = scan_config(settings, _execution_costs(root, log))
    clock, start, until = _clock_and_window(container, settings, source, config.pairs, start, until)
    if terminal.progress is not None:
        terminal.progress.window(start, until)
    predictor = boot_predictor(root, settings, log)
    stored = _book_and_controls(container, settings, stop, log)
    delivery, outbox_worker = start_delivery(container.outbox(), container.notifier(), settings, log)
    scan = ScanMarket(source=source, predictor=predictor, notifier=container.notifier(),
                      broker=container.broker(), config=config, timer=container.timer(), delivery=delivery,
                      **_broker_account(container, settings), **stored)
    log.info("runtime_started", source=settings.candles.source, pairs=[p.symbol for p in config.pairs],
             start=start.isoformat(), until=until.isoformat() if until else None, speed=settings.runtime.speed,
             store=mask_url(settings.store.url), notifier=settings.notifier.name, predictor=settings.predictor.name,
             model=predictor.version, account=container.account_name(), ruleset=settings.risk.ruleset)
    # the monitor's and reconciliation's messages go through the outbox too, when there is one
    notices = container.notifier() if delivery is None else OutboxNotifier(delivery, container.notifier(), clock.now)
    if settings.broker.name != "paper":  # real orders (live, or a dry-run micro-lot run): reconciled alike
        reconcile_at_start(scan, container.broker_gateway(), notices, clock.now(), log)
    scan_log = ScanLog(log)
    monitor = daily_monitor(settings, notices)
    health = start_health(root, settings, predictor.version, log)
    try:
        bot = start_runtime_bot(root, settings, health.monitor, log)  # BOT_ENABLED: its own thread
    except Exception:
        health.close()
        raise

    def on_scan(report: ScanReport) -> None:
        scan_log(report)
        terminal.add(report)
        health.scanned(report.at)
        outbox_worker.after_scan()
        if monitor is not None:
            monitor(report.at)

    runtime = Runtime(clock=clock, scan=scan, interval=timedelta(minutes=settings.runtime.scan_interval_minutes),
                      stop=stop, on_scan=on_scan,
                      on_error=lambda at, exc: log.error("scan_failed", at=at.isoformat(),
                                                         error=f"{type(exc).__name__}: {mask_url(str(exc))}"))
    outbox_worker.start()  # first, what an earlier run left undelivered
    try:
        summary = runtime.run(start, until)
    finally:
        outbox_worker.close()
        if bot is not None:
            bot.stop()
        health.close()
        scan_log.close()
        terminal.finish()
        _close(container.notifier())
    log.info("runtime_stopped", scans=summary.scans, emitted=summary.emitted, stopped_early=summary.stopped_early)
    return {**summary_dict(summary, settings, scan_log.alerts_suppressed), "predictor": predictor.version,
            "outbox": outbox_worker.summary()}


def _broker_account(container: RuntimeContainer, settings: Settings) -> dict[str, Any]:
    """Live: the broker's account, whose balance and equity the guard reads, and its balance at a
    past instant, for the day-start balance (paper: the book's own)."""
    if settings.mode != "live" or settings.broker.name == "paper":
        return {}
    gateway = container.broker_gateway()
    return {"account": gateway.account, "day_start": partial(balance_at, gateway)}


def _execution_costs(root: Container, log: Any) -> Instruments:
    """The instruments the guard sizes with; said once at start, loudly when they are placeholders."""
    loaded = root.execution().loaded()
    announce_costs(loaded, log)
    return loaded.instruments


def _console_stream(container: RuntimeContainer, terminal: Terminal, json_output: bool) -> None:
    """Signals go to stdout (stderr with --json, whose stdout is the summary), past the progress line."""
    container.console_stream.override(terminal.stderr if json_output else terminal.stdout)


def _book_and_controls(container: RuntimeContainer, settings: Settings, stop: threading.Event,
                       log: Any) -> dict[str, Any]:
    # every order to a real broker is written first, in live mode or not (a dry-run micro-lot run trades too)
    real_orders = settings.broker.name != "paper"
    book, control_repo, patterns, intents = open_when_up(
        lambda: (container.risk_book(), container.control_repository(), container.pattern_repository(),
                 container.order_intents() if real_orders else None),
        settings, stop)
    controls = controls_reader(default_controls(settings), control_repo, settings.guards.kill_switch,
                               on_error=lambda why: log.error("controls_unreadable", error=why))
    return {"book": book, "controls": controls, "patterns": patterns, "intents": intents}


def _close(resource: object) -> None:
    close = getattr(resource, "close", None)
    if callable(close):
        close()


def _clock_and_window(container: RuntimeContainer, settings: Settings, source: CandleSource, pairs: tuple[Pair, ...],
                      start: datetime | None, until: datetime | None) -> tuple[Clock, datetime, datetime | None]:
    if settings.candles.source == "binance":
        return container.system_clock(), start or datetime.now(UTC), until
    start, until = replay_window(source, pairs, start, until, candles_holder(settings))
    return container.replay_clock(start=start), start, until
