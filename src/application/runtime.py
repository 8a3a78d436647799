"""The long-running loop: every ``interval`` of market time, scan the market.

The same loop serves the live runtime (system clock) and replays (replay clock)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

import attrs

from application.ports import Clock
from application.scan_market import ScanMarket, ScanOutcome, Status


@attrs.define
class RunSummary:
    scans: int = 0
    counts: dict[str, int] = attrs.Factory(dict)
    stopped_early: bool = False
    first_scan: datetime | None = None
    last_scan: datetime | None = None

    def add(self, at: datetime, outcomes: Sequence[ScanOutcome]) -> None:
        self.scans += 1
        self.first_scan = self.first_scan or at
        self.last_scan = at
        for outcome in outcomes:
            self.counts[outcome.status.value] = self.counts.get(outcome.status.value, 0) + 1

    @property
    def emitted(self) -> int:
        return self.counts.get(Status.EMITTED.value, 0)


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
        on_scan: Callable[[datetime, list[ScanOutcome]], None] | None = None,
    ) -> None:
        if interval <= timedelta(0):
            raise ValueError(f"scan interval must be positive, got {interval}")
        self._clock = clock
        self._scan = scan
        self._interval = interval
        self._stop = stop
        self._on_scan = on_scan

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
            outcomes = self._scan.scan(moment)
            summary.add(moment, outcomes)
            if self._on_scan is not None:
                self._on_scan(moment, outcomes)
            moment += self._interval
        return summary
