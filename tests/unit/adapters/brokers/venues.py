"""The four brokers the contract runs against, each with the controls a test needs: quotes, the
clock, faults. The live three share one simulated terminal (tests/fakes/metatrader5.py), reached
natively, through the REST bridge (an in-process server) and through a local MetaApi server."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from adapters.brokers.paper_gateway import PaperGateway
from adapters.metaapi.gateway import MetaApiGateway
from adapters.mt5.gateway import Mt5Gateway
from adapters.mt5_rest.client import Mt5RestGateway
from adapters.mt5_rest.server import Mt5BridgeServer
from application.brokers.ports import BrokerGateway
from domain.market.candles import Pair
from tests.fakes.metaapi_server import FakeMetaApi
from tests.fakes.metatrader5 import FakeMetaTrader5

NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)
TOKEN = "a-shared-token-0123456789"
ACCOUNT = "865d3a4d-3803-486d-bdf3-a85679d9fad2"
KINDS = ("paper", "mt5", "mt5-rest", "metaapi")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.at = now

    def now(self) -> datetime:
        return self.at

    def sleep_until(self, moment: datetime) -> None:
        self.at = max(self.at, moment)


class Venue:
    """A broker under test. ``terminal`` is None for paper, which has no faults to play."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.clock = Clock(NOW)
        self.terminal = None if kind == "paper" else FakeMetaTrader5(NOW)
        self._stops: list[Callable[[], None]] = []
        self.gateway = self.connect()

    def connect(self) -> BrokerGateway:
        """A new gateway on the same account: what a restarted runtime gets."""
        if self.kind == "paper":
            if hasattr(self, "gateway"):
                raise RuntimeError("the paper broker keeps its account in memory: a restart starts it afresh")
            return PaperGateway(self.clock)
        terminal = self.terminal
        assert terminal is not None
        if self.kind == "mt5":
            return Mt5Gateway(terminal, now=self.now)
        if self.kind == "mt5-rest":
            server = Mt5BridgeServer(Mt5Gateway(terminal, now=self.now), TOKEN, port=0).start()
            self._stops.append(server.stop)
            host, port = server.address
            return Mt5RestGateway(f"http://{host}:{port}", TOKEN, timeout_s=5)
        api = FakeMetaApi(terminal, TOKEN, ACCOUNT).start()
        self._stops.append(api.stop)
        self.api = api
        return MetaApiGateway(TOKEN, ACCOUNT, base_url=api.url, timeout_s=5, now=self.now)

    def now(self) -> datetime:
        return self.clock.at

    def quote(self, pair: Pair, bid: float, ask: float) -> None:
        if isinstance(self.gateway, PaperGateway):
            self.gateway.quote(pair, (bid + ask) / 2)
        else:
            assert self.terminal is not None
            self.terminal.quote(pair.symbol.removesuffix("T"), bid, ask)

    def advance(self, minutes: float) -> datetime:
        self.clock.at += timedelta(minutes=minutes)
        if self.terminal is not None:
            self.terminal.now = self.clock.at
        return self.clock.at

    def stop(self) -> None:
        for stop in self._stops:
            stop()
