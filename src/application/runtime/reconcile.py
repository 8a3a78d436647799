"""Startup reconciliation (live): the broker's open positions against the risk book's.

- A position the broker holds and the book does not (another program's, a person's, or one of
  this runtime's whose record was lost) is reported, never adopted: the guard does not size or
  close what it did not open, and a person decides.
- A book entry the broker no longer holds was closed while the runtime was down (its stop, its
  target, a stop-out, a person): it is closed in the book with its real exit, the closing
  execution the broker answers again, its reason read from the deal history.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from application.brokers.ports import BrokerGateway
from application.brokers.values import BrokerPosition, DealEntry, DealReason
from application.runtime.paper_book import ClosedTrade, PaperBook, RefusedClose
from application.runtime.recover_orders import Recovered
from domain.execution.paper import ExitReason, PaperExit
from domain.risk import Position
from domain.risk.emission import GuardState

_CLOCK_SLACK = timedelta(minutes=1)
_REASONS = {DealReason.STOP_LOSS: ExitReason.STOP_LOSS, DealReason.TAKE_PROFIT: ExitReason.TAKE_PROFIT,
            DealReason.STOP_OUT: ExitReason.FLOOR}


@attrs.frozen
class Reconciliation:
    state: GuardState
    unknown: tuple[BrokerPosition, ...]  # held by the broker, not by the book: reported, never adopted
    closed: tuple[ClosedTrade, ...]  # closed at the broker while the runtime was down, now booked
    refused: tuple[RefusedClose, ...] = ()  # not open at the broker, and it would not say how it closed
    # orders this runtime sent and never booked, resolved from their intents first (recover_orders)
    recovered: tuple[Recovered, ...] = ()


def reconcile(gateway: BrokerGateway, paper: PaperBook, state: GuardState, now: datetime) -> Reconciliation:
    held = gateway.positions()
    open_ids = {p.client_id for p in held if p.client_id is not None}
    booked = {p.position_id for p in state.account.positions}
    unknown = tuple(p for p in held if p.client_id is None or p.client_id not in booked)
    gone = [p for p in state.account.positions if p.position_id not in open_ids]
    if not gone:
        return Reconciliation(state, unknown, ())
    exits = [_exit(p, gateway, now) for p in gone]
    state, closed, refused = paper.close_now(state, sorted(exits, key=lambda e: (e.at, e.position_id)))
    return Reconciliation(state, unknown, closed, refused)


def _exit(position: Position, gateway: BrokerGateway, now: datetime) -> PaperExit:
    """The exit the deal history shows (its reason, time and price); when the history has none yet,
    a time exit at the last mark, which the broker's closing execution then prices."""
    # the history up to a little past now: a broker's clock may run ahead of ours, and its deals with it
    outs = [d for d in gateway.deals(position.opened_at, now + _CLOCK_SLACK)
            if d.client_id == position.position_id and d.entry is not DealEntry.IN]
    if not outs:
        return PaperExit(position.position_id, ExitReason.TIME, now, position.mark)
    last = outs[-1]
    return PaperExit(position.position_id, _REASONS.get(last.reason, ExitReason.TIME), last.at, last.price)
