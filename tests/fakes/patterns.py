"""A pattern store (application.stats.ports.PatternRepository) in memory that can be made to fail,
and that remembers what was read and counted."""

from __future__ import annotations

from datetime import datetime

from application.runtime.pattern_history import PatternHistory
from domain.signals.patterns import PatternRecord


class FakePatternRepository(PatternHistory):
    """``fail_reads`` / ``fail_writes``: the exception reads / record_outcome raise instead.
    ``latest``: when the outcomes behind the records it starts with were counted."""

    def __init__(self, *records: PatternRecord, fail_reads: Exception | None = None,
                 fail_writes: Exception | None = None, latest: datetime | None = None) -> None:
        super().__init__(records)
        self.fail_reads = fail_reads
        self.fail_writes = fail_writes
        self.latest = latest
        self.reads: list[str] = []
        self.counted: list[tuple[str, bool, datetime]] = []

    def record_outcome(self, pattern_hash: str, name: str, won: bool, now: datetime) -> PatternRecord:
        if self.fail_writes is not None:
            raise self.fail_writes
        self.counted.append((pattern_hash, won, now))
        return super().record_outcome(pattern_hash, name, won, now)

    def get(self, pattern_hash: str) -> PatternRecord | None:
        self.reads.append(pattern_hash)
        if self.fail_reads is not None:
            raise self.fail_reads
        return super().get(pattern_hash)

    def latest_outcome_at(self) -> datetime | None:
        if self.fail_reads is not None:
            raise self.fail_reads
        times = [t for t in (super().latest_outcome_at(), self.latest) if t is not None]
        return max(times, default=None)
