"""The hourly roll-up of the runtime's log: what one market hour of scans did, in one line.

Routine denials (no size fits, rate limits, lot steps) and repeated alerts are logged below the
default level one by one; this line is where a person reading the log at info sees them counted."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs

from application.runtime.scan_market import ScanReport
from application.runtime.scan_outcome import Status
from domain.risk.emission import Alert


@attrs.define
class _Hour:
    start: datetime
    scans: int = 0
    emitted: int = 0
    denied: int = 0
    denials: dict[str, int] = attrs.Factory(dict)  # by rule; one denial may cite several
    denied_pairs: dict[str, int] = attrs.Factory(dict)
    alerts_suppressed: dict[str, int] = attrs.Factory(dict)


class HourRollup:
    def __init__(self, log: Any) -> None:
        self._log = log
        self._hour: _Hour | None = None

    def begin(self, at: datetime) -> None:
        """Call before logging the scan at ``at``: a new hour first closes the previous one."""
        start = at.replace(minute=0, second=0, microsecond=0)
        if self._hour is not None and self._hour.start != start:
            self.flush()
        if self._hour is None:
            self._hour = _Hour(start)

    def suppressed(self, alert: Alert) -> None:
        if self._hour is not None:
            count(self._hour.alerts_suppressed, alert.kind.value)

    def add(self, report: ScanReport) -> None:
        hour = self._hour
        if hour is None:
            return
        hour.scans += 1
        for outcome in report.pairs:
            if outcome.status is Status.EMITTED:
                hour.emitted += 1
            elif outcome.status is Status.DENIED:
                hour.denied += 1
                count(hour.denied_pairs, outcome.pair.symbol)
                for rule in outcome.rules:
                    count(hour.denials, rule)

    def flush(self) -> None:
        hour, self._hour = self._hour, None
        if hour is None or not hour.scans:
            return
        fields: dict[str, Any] = {"hour": hour.start.isoformat(), "scans": hour.scans, "emitted": hour.emitted,
                                  "denied": hour.denied, "denials": _sorted(hour.denials),
                                  "denied_pairs": _sorted(hour.denied_pairs)}
        if hour.alerts_suppressed:
            fields["alerts_suppressed"] = _sorted(hour.alerts_suppressed)
        self._log.info("hourly_rollup", **fields)


def count(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def _sorted(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items()))
