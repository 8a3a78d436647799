"""/check for a bot that runs on its own (`tradeai bot`): the runtime's health read back from the
store, where the runtime saves its guard state after every scan (market time and wall time)."""

from __future__ import annotations

from application.bot.ports import LastScan
from application.runtime.health import HealthMonitor, HealthReport


class StoredScans:
    """The health monitor, told of the last scan the store holds before each report."""

    def __init__(self, monitor: HealthMonitor, last: LastScan) -> None:
        self._monitor = monitor
        self._last = last

    def report(self) -> HealthReport:
        try:
            seen = self._last.last_scan()
        except Exception:  # the store is down: the report's own store check says so
            seen = None
        if seen is not None:
            self._monitor.scanned(*seen)
        return self._monitor.report()
