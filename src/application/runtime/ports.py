"""Ports for the state the runtime must not lose: the guard state with its paper account, the
trader's control changes (kill switch, thresholds) and equity snapshots.

The unit of work writes a signal, or a closed trade, together with the guard state that consumed
it, in one transaction: after a crash either both are there or neither is.

Also where signals go out: the notifier and the broker.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

import attrs

from domain.market.candles import require_utc
from domain.risk.emission import GuardState
from domain.signals.signal import Signal
from domain.stats.outcomes import TradeOutcome


def _utc(value: datetime) -> datetime:
    return require_utc(value, "at")


@attrs.frozen
class EquitySnapshot:
    """The account as one scan saw it: for the equity curve and the day-start audit trail."""

    at: datetime = attrs.field(converter=_utc)
    balance: float
    equity: float
    day: date
    day_start_balance: float
    open_positions: int


@attrs.frozen
class ControlChange:
    """A trader's change to a runtime control: who set ``key`` to ``value``, when and why."""

    key: str
    value: str
    changed_by: str
    changed_at: datetime = attrs.field(converter=_utc)
    reason: str = ""

    def __attrs_post_init__(self) -> None:
        if not self.key or not self.changed_by:
            raise ValueError("a control change needs a key and who made it")


class RiskBookUnitOfWork(Protocol):
    """The risk book of one account (the dry-run paper account or the live one)."""

    def load_state(self) -> GuardState | None:
        """The state saved last, or None on first start."""
        ...

    def record_signal(self, signal: Signal, state: GuardState) -> bool:
        """Insert the signal and save ``state`` atomically. False, and nothing written, when the
        signal_id is already in the risk book."""
        ...

    def record_outcome(self, outcome: TradeOutcome, state: GuardState) -> bool:
        """Close the signal's row and save ``state`` atomically. False when this very outcome was
        already stored (the state is then saved all the same)."""
        ...

    def save_state(self, state: GuardState, snapshot: EquitySnapshot | None = None) -> None:
        """Save ``state`` (and the day-start balances it holds), with an equity snapshot if given."""
        ...


class ControlRepository(Protocol):
    def record(self, change: ControlChange) -> None: ...

    def latest(self, key: str) -> ControlChange | None: ...

    def history(self, key: str | None = None, limit: int = 50) -> Sequence[ControlChange]:
        """Newest first."""
        ...


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
