"""A broker fake that records every order and can refuse or fail on demand; it passes the broker
contract (tests/unit/adapters/test_broker_contract.py) like the broker it wraps."""

from __future__ import annotations

from collections.abc import Callable

import attrs

from application.runtime.ports import Broker
from domain.execution.fills import Fill, Rejection
from domain.execution.paper import PaperExit
from domain.risk.account import Position
from domain.signals.signal import Signal


@attrs.frozen
class OpenOrder:
    signal: Signal
    lots: float
    answer: Fill | Rejection


@attrs.frozen
class CloseOrder:
    position: Position
    exit: PaperExit
    answer: Fill | Rejection


class RecordingBroker(Broker):
    """Passes orders to ``inner`` and records them with the answer in ``opens`` and ``closes``.
    ``refuse_opens`` or ``refuse_closes`` (a reason) make it reject those orders itself;
    ``fail_with`` makes every order raise, as a broker that cannot be reached."""

    def __init__(self, inner: Broker) -> None:
        self.inner = inner
        self.opens: list[OpenOrder] = []
        self.closes: list[CloseOrder] = []
        self.refuse_opens: str | None = None
        self.refuse_closes: str | None = None
        self.fail_with: Exception | None = None

    @property
    def name(self) -> str:
        return f"recording {self.inner.name}"

    def open(self, signal: Signal, lots: float) -> Fill | Rejection:
        answer = self._answer(self.refuse_opens, lambda: self.inner.open(signal, lots))
        self.opens.append(OpenOrder(signal, lots, answer))
        return answer

    def close(self, position: Position, exit: PaperExit) -> Fill | Rejection:
        answer = self._answer(self.refuse_closes, lambda: self.inner.close(position, exit))
        self.closes.append(CloseOrder(position, exit, answer))
        return answer

    def _answer(self, refusal: str | None, order: Callable[[], Fill | Rejection]) -> Fill | Rejection:
        if self.fail_with is not None:
            raise self.fail_with
        return Rejection(refusal) if refusal else order()
