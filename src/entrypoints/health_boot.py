"""The runtime's `/healthz` (``HEALTH_PORT``; 0: none): a health monitor fed after every scan and an
HTTP endpoint serving its report from a daemon thread. The monitor also answers the bot's /check
(``BOT_ENABLED``), with or without the endpoint."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from application.runtime.health import HealthMonitor, Served
from entrypoints.candle_bootstrap import RuntimeFailure
from entrypoints.container import Container
from entrypoints.settings import Settings


class Health:
    """The monitor and its server; ``scanned`` and ``close`` do nothing when the endpoint is off."""

    def __init__(self, monitor: HealthMonitor | None = None, server: Any = None) -> None:
        self.monitor, self.server = monitor, server

    def scanned(self, market_time: datetime) -> None:
        if self.monitor is not None:
            self.monitor.scanned(market_time)

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()


def scan_period(settings: Settings) -> timedelta:
    """Wall time between scans: the interval of market time, divided by the replay speed factor."""
    interval = timedelta(minutes=settings.runtime.scan_interval_minutes)
    speed = settings.runtime.speed
    if settings.candles.source == "replay" and speed != "max" and float(speed) > 0:
        return interval / float(speed)
    return interval


def start_health(root: Container, settings: Settings, model: str, log: Any) -> Health:
    runtime = settings.runtime
    if runtime.health_port == 0 and not settings.notifier.bot_enabled:
        return Health()
    from adapters.health import HealthServer
    from adapters.sql import StorePing

    monitor = HealthMonitor(Served(settings.mode, settings.broker.name, model), scan_period(settings),
                            StorePing(root.store().upgraded_engine()), lambda: datetime.now(UTC))
    if runtime.health_port == 0:  # no endpoint: the monitor answers the bot's /check alone
        return Health(monitor)
    try:
        server = HealthServer(runtime.health_bind, runtime.health_port, monitor.report).start()
    except OSError as exc:
        raise RuntimeFailure(f"cannot serve /healthz on {runtime.health_bind}:{runtime.health_port} "
                             f"(HEALTH_BIND, HEALTH_PORT): {exc}", usage=True) from None
    log.info("health_endpoint", url=f"http://{runtime.health_bind}:{server.port}/healthz")
    return Health(monitor, server)
