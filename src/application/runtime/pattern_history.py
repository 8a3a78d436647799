"""Which pattern history a run reads and counts into.

``PatternHistory`` is a history in memory: it starts empty or from a snapshot of earlier outcomes
and learns from the closes counted into it. The backtest runs on one.

``RunPatterns`` chooses, at a run's first scan (or the first one after, where the store does not
answer then), between the pattern store and such a history. A store that already counted an
outcome later than the run's first scan has learnt from this run's future (the same hours replayed
again, or an earlier window replayed after a later one): reading it would let each scan see
outcomes that had not happened by its time, and counting into it would count the same trades
twice. Such a run learns in memory from its own closes instead, as a backtest does, and leaves the
store as it was. So replaying hours again gives the signals of their first replay when that one
started from an empty store (the default run, the tests); over a store that held earlier history
then, the repeat starts from nothing instead. On the live clock the store's outcomes are always
in the past, and it is used.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs

from application.stats.ports import PatternRepository
from domain.signals.patterns import PatternKey, PatternRecord


class PatternHistory(PatternRepository):
    """Held to the pattern store's contract (tests/integration/sql/test_persistence_contract.py)."""

    def __init__(self, snapshot: Iterable[PatternRecord] = ()) -> None:
        self._records = {r.pattern_hash: r for r in snapshot}
        self._changed: set[str] = set()
        self._latest: datetime | None = None

    def record_outcome(self, pattern_hash: str, name: str, won: bool, now: datetime) -> PatternRecord:
        record = self._records.get(pattern_hash) or PatternRecord(pattern_hash, name)
        # the latest name, as the store keeps it
        self._records[pattern_hash] = record = attrs.evolve(record.with_outcome(won), name=name)
        self._changed.add(pattern_hash)
        self._latest = now if self._latest is None else max(self._latest, now)
        return record

    def snapshot(self) -> tuple[PatternRecord, ...]:
        return tuple(self._records.values())

    def get(self, pattern_hash: str) -> PatternRecord | None:
        return self._records.get(pattern_hash)

    def list_above(self, sample_floor: int) -> Sequence[PatternRecord]:
        if sample_floor < 1:
            raise ValueError(f"sample_floor must be >= 1, got {sample_floor}")
        kept = [r for r in self._records.values() if r.total >= sample_floor]
        return sorted(kept, key=lambda r: (-r.wins / r.total, -r.total, r.pattern_hash))

    def latest_outcome_at(self) -> datetime | None:
        """Of the outcomes counted here: a snapshot's own have no time."""
        return self._latest

    def take_changed(self) -> frozenset[str]:
        """The patterns counted into since the last call."""
        changed, self._changed = frozenset(self._changed), set()
        return changed


class RunPatterns(PatternRepository):
    """The store, or a history in memory (module docstring), chosen by ``start``."""

    def __init__(self, store: PatternRepository) -> None:
        self._store = store
        self._active: PatternRepository | None = None
        self._in_memory = False
        self._first: datetime | None = None  # the run's first scan
        self._unread: str | None = None  # why the store could not be asked yet

    def start(self, now: datetime) -> str | None:
        """Choose once the store answers, against the run's first scan; returns, once, a note to log
        when the run does not use the store as it is, or cannot ask it yet."""
        self._first = self._first or now
        if self._active is not None:
            return None
        try:
            latest = self._store.latest_outcome_at()
        except Exception as exc:  # down: no adjustment and no count until it answers (asked again next scan)
            said, self._unread = self._unread, f"{type(exc).__name__}: {exc}"
            return None if said else f"pattern store unreadable ({self._unread}): no adjustment until it answers"
        if latest is None or latest <= self._first:
            self._active = self._store
            return None
        self._active, self._in_memory = PatternHistory(), True
        return (f"the pattern store holds outcomes up to {latest:%Y-%m-%d %H:%M} UTC, after this run's first scan "
                f"({self._first:%Y-%m-%d %H:%M} UTC): this run learns patterns in memory and leaves the store as it is")

    def count_close(self, pattern: PatternKey, won: bool, at: datetime, first: bool) -> None:
        """Count a closed trade's outcome. ``first``: the risk book closed its row now, not before;
        the store counts only such closes, so a close replayed over the same risk book (a restart)
        counts nothing twice, while a history in memory counts every close of its own run."""
        if first or self._in_memory:
            self._chosen.record_outcome(pattern.pattern_hash, pattern.name, won, at)

    @property
    def _chosen(self) -> PatternRepository:
        if self._active is None:
            raise LookupError(f"pattern store not read yet: {self._unread or 'no scan has started'}")
        return self._active

    def record_outcome(self, pattern_hash: str, name: str, won: bool, now: datetime) -> PatternRecord:
        return self._chosen.record_outcome(pattern_hash, name, won, now)

    def get(self, pattern_hash: str) -> PatternRecord | None:
        return self._chosen.get(pattern_hash)

    def list_above(self, sample_floor: int) -> Sequence[PatternRecord]:
        return self._chosen.list_above(sample_floor)

    def latest_outcome_at(self) -> datetime | None:
        return self._chosen.latest_outcome_at()
