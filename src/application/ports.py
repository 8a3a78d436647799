"""Ports: what the use cases need from the outside world, named by role.

Adapters subclass these Protocols so that mypy checks them; tests use the fakes in tests/fakes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from application.stats_values import Performance, TradeOutcome
from domain.deployments import ModelDeployment
from domain.market import CandleWindow, Pair
from domain.patterns import PatternRecord
from domain.signals import Mode, Prediction, Signal


class Clock(Protocol):
    """Market time. The system clock follows the wall; a replay clock follows the data."""

    def now(self) -> datetime: ...

    def sleep_until(self, moment: datetime) -> None:
        """Return once ``now()`` has reached ``moment`` (a replay clock just jumps there)."""
        ...


class CandleSource(Protocol):
    """Closed 1-minute candles by pair."""

    def window(self, pair: Pair, end: datetime, length: int) -> CandleWindow:
        """Up to ``length`` most recent candles that closed at or before ``end``."""
        ...

    def coverage(self, pair: Pair) -> tuple[datetime, datetime] | None:
        """First open time and last close time available, or None when the pair has no data."""
        ...


class Predictor(Protocol):
    @property
    def lookback(self) -> int:
        """How many candles ``predict`` wants."""
        ...

    @property
    def version(self) -> str: ...

    def predict(self, window: CandleWindow) -> Prediction | None:
        """A prediction for the next horizon, or None when the window cannot support one."""
        ...


class SignalRepository(Protocol):
    """The risk book's signal rows. ``add`` is idempotent on ``signal_id``."""

    def add(self, signal: Signal) -> bool:
        """Store the signal; False when a signal with that id was already stored."""
        ...

    def get(self, signal_id: str) -> Signal | None: ...

    def list(self, pair: Pair | None = None, limit: int | None = None) -> Sequence[Signal]: ...

    def count(self) -> int: ...


class Notifier(Protocol):
    def send(self, text: str) -> None:
        """Deliver one message to the trader (console, Telegram...)."""
        ...


class Broker(Protocol):
    """Where live signals are executed. Dry-run signals never reach a broker."""

    @property
    def name(self) -> str: ...

    def submit(self, signal: Signal, size: float) -> str:
        """Place the order and return the broker's order id."""
        ...


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


class DeploymentRepository(Protocol):
    def add(self, deployment: ModelDeployment) -> None: ...

    def latest(self, include_rolled_back: bool = False) -> ModelDeployment | None:
        """The most recently deployed model, skipping rolled-back ones unless asked."""
        ...

    def list(self, limit: int | None = None) -> Sequence[ModelDeployment]:
        """Newest first."""
        ...

    def mark_rolled_back(self, version: str, reason: str) -> bool:
        """Flag the newest live deployment of ``version``; False when there is none."""
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
