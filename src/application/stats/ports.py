"""Ports of the risk book's figures: signals, their outcomes, patterns and the /stats queries.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from domain.market.candles import Pair
from domain.signals.patterns import PatternRecord
from domain.signals.signal import Mode, Signal
from domain.stats.outcomes import Performance, TradeOutcome


class SignalRepository(Protocol):
    """The risk book's signal rows. ``add`` is idempotent on ``signal_id``."""

    def add(self, signal: Signal) -> bool:
        """Store the signal; False when a signal with that id was already stored."""
        ...

    def get(self, signal_id: str) -> Signal | None: ...

    def list(self, pair: Pair | None = None, limit: int | None = None) -> Sequence[Signal]: ...

    def count(self) -> int: ...


class OutcomeRepository(Protocol):
    """Closes risk-book rows. Recording the same outcome again is a no-op; a different outcome for
    a closed signal is refused (OutcomeConflict), and an unknown signal_id raises UnknownSignal."""

    def record_outcome(self, outcome: TradeOutcome) -> bool:
        """True when the row was closed now, False when this very outcome was already stored."""
        ...


class PatternRepository(Protocol):
    def record_outcome(self, pattern_hash: str, name: str, won: bool, now: datetime) -> PatternRecord:
        """Count one outcome atomically (concurrent callers never lose an increment); creates the
        pattern on first sight and returns the counts after this outcome."""
        ...

    def get(self, pattern_hash: str) -> PatternRecord | None: ...

    def list_above(self, sample_floor: int) -> Sequence[PatternRecord]:
        """Patterns with at least ``sample_floor`` outcomes, best win rate first."""
        ...

    def latest_outcome_at(self) -> datetime | None:
        """The ``now`` of the latest outcome counted (market time: the trade's exit); None when empty."""
        ...


class PerformanceQueries(Protocol):
    """Read-only aggregates over closed risk-book rows with ``since <= entry_time < until``;
    ``mode`` None means dry-run and live together."""

    def performance_by_tier(self, since: datetime, until: datetime,
                            mode: Mode | None = None) -> Mapping[str, Performance]: ...

    def performance_by_model(self, since: datetime, until: datetime,
                             mode: Mode | None = None) -> Mapping[str, Performance]: ...

    def performance_by_hour(self, since: datetime, until: datetime,
                            mode: Mode | None = None) -> Mapping[datetime, Performance]:
        """Keyed by the start of each UTC hour that holds at least one closed trade."""
        ...
