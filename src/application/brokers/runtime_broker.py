"""The runtime's ``Broker`` (open a signal, close a position) on top of any ``BrokerGateway``, so
that live brokers slot in where the paper broker is today with one setting.

An order whose answer was lost (``BrokerUnavailable`` with ``outcome_unknown``) is resolved here by
its client id before anything else is sent; any other transport failure is raised, and the
runtime (paper_book.ask_broker) reports it as a refusal and goes on.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from application.brokers.ports import BrokerGateway, BrokerUnavailable
from application.brokers.values import Execution, MarketOrder
from application.runtime.ports import Broker
from domain.execution.fills import Fill, RejectCode, Rejection
from domain.execution.paper import PaperExit
from domain.risk.account import Position
from domain.signals.signal import Signal


class GatewayBroker(Broker):
    def __init__(self, gateway: BrokerGateway, deviation_bps: float = 10.0,
                 on_resolved: Callable[[str], None] | None = None, timer: Callable[[], float] | None = None,
                 fixed_lots: float | None = None) -> None:
        """``on_resolved`` hears of each order whose lost answer was found at the broker (a log event);
        ``timer`` (seconds, time.perf_counter in the runtime) times each order's round trip into its fill.
        ``fixed_lots`` (MICRO_LOT: 0.01) replaces the size the guard allowed on every order: the guard's
        decision stands, only the exposure shrinks, and the fill (so the book) carries the lots traded."""
        if fixed_lots is not None and not fixed_lots > 0:
            raise ValueError(f"fixed_lots must be > 0, got {fixed_lots!r}")
        self._fixed_lots = fixed_lots
        self._gateway = gateway
        self._deviation_bps = deviation_bps
        self._on_resolved = on_resolved
        self._timer = timer

    @property
    def name(self) -> str:
        return self._gateway.name

    def open(self, signal: Signal, lots: float) -> Fill | Rejection:
        try:
            order = MarketOrder.for_signal(signal, lots if self._fixed_lots is None else self._fixed_lots,
                                           self._deviation_bps)
        except ValueError as exc:  # an impossible size or stops: refused like a broker would
            return Rejection(str(exc), RejectCode.INVALID_VOLUME)
        started = self._timer() if self._timer is not None else None
        try:
            answer = _fill(self._gateway.place(order))
        except BrokerUnavailable as exc:
            if not exc.outcome_unknown:
                raise
            answer = self._resolve(order.client_id, exc)
        return self._timed(answer, started)

    def _resolve(self, client_id: str, lost: BrokerUnavailable) -> Fill | Rejection:
        """The order's answer was lost: ask the broker by client id before anything else, so that
        a position it did open is booked once and nothing is sent twice. When it cannot be asked
        either, the outcome stays unknown (raised): the position, if any, is found by reconciliation."""
        try:
            found = self._gateway.find(client_id)
        except BrokerUnavailable as again:
            raise BrokerUnavailable(f"order {client_id}: outcome unknown ({lost}); the broker cannot be asked "
                                    f"either ({again})", outcome_unknown=True) from again
        if found is None:
            return Rejection(f"order {client_id} was not filled: its answer was lost ({lost}) and the broker "
                             "holds no position for it")
        if self._on_resolved is not None:
            self._on_resolved(f"order {client_id}: its answer was lost ({lost}); the broker holds its position "
                              f"{found.ticket}, booked from that execution")
        return found.fill()

    def close(self, position: Position, exit: PaperExit) -> Fill | Rejection:
        if exit.position_id != position.position_id:
            return Rejection(f"exit for {exit.position_id} cannot close {position.position_id}", RejectCode.NOT_FOUND)
        started = self._timer() if self._timer is not None else None
        return self._timed(_fill(self._gateway.close(position.position_id, exit.level, self._deviation_bps)), started)

    def _timed(self, answer: Fill | Rejection, started: float | None) -> Fill | Rejection:
        if isinstance(answer, Rejection) or started is None or self._timer is None:
            return answer
        return attrs.evolve(answer, latency_ms=max(0.0, (self._timer() - started) * 1000))


def _fill(answer: Execution | Rejection) -> Fill | Rejection:
    return answer if isinstance(answer, Rejection) else answer.fill()
