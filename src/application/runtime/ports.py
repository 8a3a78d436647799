"""Ports for the state the runtime must not lose: the guard state with its paper account, the
trader's control changes (kill switch, thresholds) and equity snapshots.

The unit of work writes a signal, or a closed trade, together with the guard state that consumed
it, in one transaction: after a crash either both are there or neither is.

Also where signals go out: the notifier, and the broker that fills them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Protocol

import attrs

from application.runtime.outbox import OutboxMessage
from domain.execution.fills import Fill, Rejection
from domain.execution.paper import PaperExit
from domain.market.candles import require_utc
from domain.risk.account import Position
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


@attrs.frozen
class EntryFill:
    """The opening fill as the risk book records it: its price, and the costs and round trip the
    broker reported (None where it did not say: a fill found again in the deal history)."""

    price: float
    slippage_bps: float | None = None
    spread_bps: float | None = None
    latency_ms: float | None = None

    @classmethod
    def of(cls, fill: Fill, costs_known: bool = True) -> EntryFill:
        if not costs_known:
            return cls(fill.price, latency_ms=fill.latency_ms)
        return cls(fill.price, fill.slippage_bps, fill.spread_bps, fill.latency_ms)


class RiskBookUnitOfWork(Protocol):
    """The risk book of one account (the dry-run paper account or the live one)."""

    def load_state(self) -> GuardState | None:
        """The state saved last, or None on first start."""
        ...

    def record_signal(self, signal: Signal, state: GuardState, message: OutboxMessage | None = None,
                      entry: EntryFill | None = None) -> bool:
        """Insert the signal with its opening fill ``entry``, its ``message`` into the outbox when
        given, and save ``state`` atomically. False, and nothing written, when the signal_id is
        already in the risk book."""
        ...

    def record_outcome(self, outcome: TradeOutcome, state: GuardState) -> bool:
        """Close the signal's row and save ``state`` atomically. False when this very outcome was
        already stored (the state is then saved all the same)."""
        ...

    def save_state(self, state: GuardState, snapshot: EquitySnapshot | None = None) -> None:
        """Save ``state`` (and the day-start balances it holds), with an equity snapshot if given."""
        ...


class OrderIntents(Protocol):
    """Live orders written, and committed, before they are sent: a write-ahead record. An intent
    is discarded once its order's outcome is booked (filled and recorded, or refused); one still
    there at a start names an order whose outcome was never booked (the runtime was killed between
    the order and the record, or the broker's answer was lost), which reconciliation resolves by
    its client id (application.runtime.recover_orders)."""

    def write(self, signal: Signal, at: datetime) -> None:
        """Record ``signal`` (sized) as about to be sent; writing it again replaces it."""
        ...

    def pending(self) -> Sequence[Signal]:
        """The intents not yet discarded, oldest first."""
        ...

    def discard(self, signal_id: str) -> None:
        """Forget ``signal_id``'s intent; nothing when there is none."""
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
    """Executes the orders of the signals the guard let through: the paper broker in dry-run,
    MT5 or MetaApi live. One path for all, so the account books paper and live fills alike.

    Orders are fill-or-kill at market: the answer is a Fill for the whole size or a Rejection,
    never a partial fill. A refusal is a Rejection, not an exception; an exception means the
    broker could not be asked, and the caller treats it as a rejection. The broker does not keep
    the account the FTMO guard reads: the use case books each fill into the domain's account.
    """

    @property
    def name(self) -> str: ...

    def open(self, signal: Signal, lots: float) -> Fill | Rejection:
        """Open ``lots`` of ``signal.pair`` in its direction, with its stop and take-profit.
        Idempotent per ``signal.signal_id``: asked again, a broker must not open a second position."""
        ...

    def close(self, position: Position, exit: PaperExit) -> Fill | Rejection:
        """Close all of ``position`` for ``exit.reason`` at ``exit.level`` (the order price before costs)."""
        ...
