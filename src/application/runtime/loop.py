"""The long-running loop: every ``interval`` of market time, scan the market.

The same loop serves the live runtime (system clock) and replays (replay clock)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import attrs

from application.data.ports import Clock
from application.runtime.scan_market import ScanMarket, ScanReport
from application.runtime.scan_outcome import Status


@attrs.define
class RunSummary:
    scans: int = 0
    failed_scans: int = 0
    counts: dict[str, int] = attrs.Factory(dict)
    denials: dict[str, int] = attrs.Factory(dict)  # by rule; one denial may cite several
    alerts: dict[str, int] = attrs.Factory(dict)
    closed: dict[str, int] = attrs.Factory(dict)  # paper trades closed, by result
    stopped_early: bool = False
    first_scan: datetime | None = None
    last_scan: datetime | None = None
    last_report: ScanReport | None = None

    def add(self, report: ScanReport) -> None:
        self.scans += 1
        self.first_scan = self.first_scan or report.at
        self.last_scan = report.at
        self.last_report = report
        for outcome in report.pairs:
            _count(self.counts, outcome.status.value)
            for rule in outcome.rules:
                _count(self.denials, rule)
            for alert in outcome.alerts:
                _count(self.alerts, alert.kind.value)
        for trade in report.closed:
            if trade.error is None:
                _count(self.closed, trade.outcome.result.name.lower())

    @property
    def emitted(self) -> int:
        return self.counts.get(Status.EMITTED.value, 0)


def _count(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def align_up(moment: datetime, interval: timedelta) -> datetime:
    """The first scan time at or after ``moment`` on the interval's grid (from the epoch)."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    steps = -((epoch - moment) // interval)
    return epoch + steps * interval


class Runtime:
    def __init__(
        self,
        *,
        clock: Clock,
        scan: ScanMarket,
        interval: timedelta,
        stop: threading.Event,
        on_scan: Callable[[ScanReport], None] | None = None,
        on_error: Callable[[datetime, Exception], None] | None = None,
    ) -> None:
        if interval <= timedelta(0):
            raise ValueError(f"scan interval must be positive, got {interval}")
        self._clock = clock
        self._scan = scan
        self._interval = interval
        self._stop = stop
        self._on_scan = on_scan
        self._on_error = on_error

    def run(self, start: datetime, until: datetime | None) -> RunSummary:
        """Scan from ``start`` until ``until`` (inclusive; None = forever) or a stop request.
        A stop request lets the current scan finish: nothing is left half-written."""
        summary = RunSummary()
        moment = align_up(start, self._interval)
        while until is None or moment <= until:
            self._clock.sleep_until(moment)
            if self._stop.is_set():
                summary.stopped_early = True
                break
            try:
                report = self._scan.scan(moment)
            except Exception as exc:
                # a long-running runtime outlives one bad scan (e.g. the store unreadable at load);
                # the scan wrote nothing it could not finish, so the next one starts clean
                summary.failed_scans += 1
                if self._on_error is None:
                    raise
                self._on_error(moment, exc)
            else:
                summary.add(report)
                if self._on_scan is not None:
                    self._on_scan(report)
            moment += self._interval
        return summary
