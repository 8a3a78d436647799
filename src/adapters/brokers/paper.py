"""A paper broker: accepts orders and keeps them in memory, for dry runs and tests."""

from __future__ import annotations

import itertools

import attrs

from application.runtime.ports import Broker
from domain.signals.signal import Signal


@attrs.frozen
class PaperOrder:
    order_id: str
    signal: Signal
    size: float


class PaperBroker(Broker):
    def __init__(self) -> None:
        self._ids = itertools.count(1)
        self.orders: list[PaperOrder] = []

    @property
    def name(self) -> str:
        return "paper"

    def submit(self, signal: Signal, size: float) -> str:
        if size <= 0:
            raise ValueError(f"{signal.signal_id}: order size must be > 0, got {size}")
        order = PaperOrder(f"paper-{next(self._ids)}", signal, size)
        self.orders.append(order)
        return order.order_id
