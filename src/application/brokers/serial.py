"""One call at a time into a gateway that is not thread-safe.

The MetaTrader5 package talks to one terminal over one IPC channel and is not safe to call from
two threads at once; the REST bridge serves each request on its own thread, and the runtime's
scan and its other threads may share one gateway. Every call goes through one lock here.
"""

from __future__ import annotations

import threading
from datetime import datetime

from application.brokers.ports import BrokerGateway
from application.brokers.values import AccountInfo, BrokerPosition, Deal, Execution, MarketOrder, SymbolSpec, Tick
from domain.execution.fills import Rejection
from domain.market.candles import Pair


class SerialGateway(BrokerGateway):
    def __init__(self, gateway: BrokerGateway) -> None:
        self._gateway = gateway
        self._lock = threading.RLock()

    @property
    def name(self) -> str:
        return self._gateway.name

    def account(self) -> AccountInfo:
        with self._lock:
            return self._gateway.account()

    def symbol(self, pair: Pair) -> SymbolSpec | None:
        with self._lock:
            return self._gateway.symbol(pair)

    def positions(self) -> tuple[BrokerPosition, ...]:
        with self._lock:
            return self._gateway.positions()

    def place(self, order: MarketOrder) -> Execution | Rejection:
        with self._lock:
            return self._gateway.place(order)

    def close(self, client_id: str, expected_price: float | None = None,
              deviation_bps: float = 10.0) -> Execution | Rejection:
        with self._lock:
            return self._gateway.close(client_id, expected_price, deviation_bps)

    def find(self, client_id: str) -> Execution | None:
        with self._lock:
            return self._gateway.find(client_id)

    def deals(self, since: datetime, until: datetime) -> tuple[Deal, ...]:
        with self._lock:
            return self._gateway.deals(since, until)

    def tick(self, pair: Pair) -> Tick:
        with self._lock:
            return self._gateway.tick(pair)

    def ticks(self, pair: Pair, since: datetime, until: datetime) -> tuple[Tick, ...]:
        with self._lock:
            return self._gateway.ticks(pair, since, until)
