"""The runtime's ``Broker`` (open a signal, close a position) on top of any ``BrokerGateway``, so
that live brokers slot in where the paper broker is today with one setting.

A transport failure (``BrokerUnavailable``) is raised, not turned into a refusal here: the
runtime decides what an order with an unknown outcome means (see application.brokers.ports).
"""

from __future__ import annotations

from application.brokers.ports import BrokerGateway
from application.brokers.values import Execution, MarketOrder
from application.runtime.ports import Broker
from domain.execution.fills import Fill, RejectCode, Rejection
from domain.execution.paper import PaperExit
from domain.risk.account import Position
from domain.signals.signal import Signal


class GatewayBroker(Broker):
    def __init__(self, gateway: BrokerGateway, deviation_bps: float = 10.0) -> None:
        self._gateway = gateway
        self._deviation_bps = deviation_bps

    @property
    def name(self) -> str:
        return self._gateway.name

    def open(self, signal: Signal, lots: float) -> Fill | Rejection:
        try:
            order = MarketOrder.for_signal(signal, lots, self._deviation_bps)
        except ValueError as exc:  # an impossible size or stops: refused like a broker would
            return Rejection(str(exc), RejectCode.INVALID_VOLUME)
        return _fill(self._gateway.place(order))

    def close(self, position: Position, exit: PaperExit) -> Fill | Rejection:
        if exit.position_id != position.position_id:
            return Rejection(f"exit for {exit.position_id} cannot close {position.position_id}", RejectCode.NOT_FOUND)
        return _fill(self._gateway.close(position.position_id, exit.level, self._deviation_bps))


def _fill(answer: Execution | Rejection) -> Fill | Rejection:
    return answer if isinstance(answer, Rejection) else answer.fill()
