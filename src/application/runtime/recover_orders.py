"""Live: book the orders whose outcome was never booked, from their intents
(application.runtime.ports.OrderIntents) and the broker's answer for their client id.

An intent still there names an order the runtime sent and never booked: it was killed between
the order and the record, the broker's answer was lost, or the store failed after the fill. Its
client id (the signal id) is looked up at the broker before anything else:

- the broker filled it (its position open, or closed since): the signal is recorded once, with
  the broker's fill and the guard state it consumed, and announced late with a note; a position
  closed since is then closed in the book by reconciliation from the deal history;
- the broker holds nothing for it: it never filled, and the intent is discarded;
- the broker cannot be asked, or the book cannot be written: the intent stays and is tried again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum

import attrs

from application.brokers.ports import BrokerGateway
from application.runtime.emit import Booked, Emitter
from application.runtime.scan_outcome import Status
from domain.execution.fills import Fill
from domain.risk.emission import EmissionCandidate, EmissionConfig, GuardState, record_emission
from domain.signals.signal import Signal

LATE_NOTE = "⚠️ Booked late from the broker's fill: the runtime did not record this order when it was sent."


class RecoveryKind(StrEnum):
    BOOKED = "booked"  # filled at the broker, now recorded in the book and announced
    ALREADY_BOOKED = "already_booked"  # the book holds it: the intent was only left behind
    UNFILLED = "unfilled"  # the broker holds nothing for it: the order never filled
    UNRESOLVED = "unresolved"  # the broker cannot be asked, or the book cannot be written: tried again


@attrs.frozen
class Recovered:
    signal: Signal
    kind: RecoveryKind
    detail: str = ""
    fill: Fill | None = None


def recover_orders(gateway: BrokerGateway, emitter: Emitter, state: GuardState, now: datetime,
                   config: EmissionConfig) -> tuple[GuardState, tuple[Recovered, ...]]:
    """Resolve every pending intent; returns the state with the booked ones open in the account."""
    if emitter.intents is None:
        return state, ()
    pending: Sequence[Signal] = emitter.intents.pending()
    found = []
    for signal in pending:
        try:
            state, recovered = _recover(signal, gateway, emitter, state, now, config)
        except Exception as exc:  # e.g. a fill dated before the account's day: said, and tried again
            recovered = Recovered(signal, RecoveryKind.UNRESOLVED, f"{type(exc).__name__}: {exc}")
        found.append(recovered)
    return state, tuple(found)


def _recover(signal: Signal, gateway: BrokerGateway, emitter: Emitter, state: GuardState, now: datetime,
             config: EmissionConfig) -> tuple[GuardState, Recovered]:
    if any(p.position_id == signal.signal_id for p in state.account.positions):
        emitter.settle_intent(signal.signal_id, kept=False)
        return state, Recovered(signal, RecoveryKind.ALREADY_BOOKED, "open in the book")
    execution = gateway.find(signal.signal_id)  # BrokerUnavailable: unresolved, tried again
    if execution is None:
        emitter.settle_intent(signal.signal_id, kept=False)
        return state, Recovered(signal, RecoveryKind.UNFILLED, f"{gateway.name} holds no position for it")
    fill = execution.fill()
    traded = attrs.evolve(signal, size=fill.lots)
    emitted = record_emission(state, EmissionCandidate.from_signal(signal), signal.created_at, config)
    booked = Booked(fill, costs_known=execution.spread_bps is not None and execution.slippage_bps is not None,
                    note=LATE_NOTE)
    outcome, after = emitter.record(traded, None, booked, emitted, state, now)
    if outcome.status is Status.EMITTED:
        return after, Recovered(traded, RecoveryKind.BOOKED, outcome.notify_error or "", fill)
    if outcome.status is Status.DUPLICATE:  # recorded, and closed since: the saved state already counts it
        return state, Recovered(traded, RecoveryKind.ALREADY_BOOKED, "in the risk book")
    return state, Recovered(traded, RecoveryKind.UNRESOLVED, "; ".join(outcome.reasons))
