"""Is the runtime healthy? What `/healthz` answers.

Healthy while the scans keep coming (the last one finished at most two scan intervals ago, by the
wall clock; before the first scan, the same grace from the start) and the store answers. The body
says why not, with the mode, the last scan's market time and lag, the store, the broker and the
model served; it never holds a secret (the store's error is masked by the checker).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import attrs

# the checker returns None when the store answers, else one masked line saying why not
StoreCheck = Callable[[], str | None]


@attrs.frozen
class HealthReport:
    healthy: bool
    body: dict[str, Any]


@attrs.frozen
class Served:
    """What the runtime runs with, reported as is."""

    mode: str
    broker: str
    model: str


class HealthMonitor:
    """Fed by the runtime after each scan; read by the health endpoint from another thread."""

    def __init__(self, served: Served, interval: timedelta, store: StoreCheck, wall: Callable[[], datetime]) -> None:
        self._served = served
        self._interval = interval
        self._store = store
        self._wall = wall
        self._started = wall()
        self._last: tuple[datetime, datetime] | None = None  # (market time, wall time) of the last scan
        self._lock = threading.Lock()

    def scanned(self, market_time: datetime, finished_at: datetime | None = None) -> None:
        """A scan of ``market_time`` finished now (or at ``finished_at``, for a scan read back
        from the store by a process that did not run it)."""
        with self._lock:
            self._last = (market_time, finished_at or self._wall())

    def report(self) -> HealthReport:
        with self._lock:
            last = self._last
        now = self._wall()
        since = now - (last[1] if last else self._started)
        problems = []
        if since > 2 * self._interval:
            what = "the last scan" if last else "the start, with no scan yet,"
            problems.append(f"{what} was {since.total_seconds():.0f} s ago (more than two scan intervals, "
                            f"{2 * self._interval.total_seconds():.0f} s)")
        store_error = self._store()
        if store_error is not None:
            problems.append(f"store: {store_error}")
        body = {"status": "ok" if not problems else "unhealthy", "problems": problems, "mode": self._served.mode,
                "last_scan": last[0].isoformat() if last else None,
                "last_scan_finished_at": last[1].isoformat() if last else None,
                "lag_seconds": round(since.total_seconds(), 3), "store": "ok" if store_error is None else "down",
                "broker": self._served.broker, "model": self._served.model, "checked_at": now.isoformat()}
        return HealthReport(not problems, body)
