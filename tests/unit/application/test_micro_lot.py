"""MICRO_LOT: every order reaches the broker at 0.01 lots whatever the sizing says; the guard's
decision is unchanged, and the book (position and signal) records the 0.01 actually traded."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from adapters.brokers.paper import PaperBroker
from adapters.mt5.gateway import Mt5Gateway
from adapters.replay import ArrayCandleSource
from application.brokers.runtime_broker import GatewayBroker
from application.runtime.ports import Broker
from application.runtime.scan_market import ScanConfig, ScanMarket
from application.runtime.scan_outcome import Status
from domain.execution.fills import Fill, Rejection
from domain.execution.paper import PaperExit
from domain.market.candles import Direction, Pair
from domain.risk.account import Position
from domain.signals.confidence import HysteresisSettings
from domain.signals.signal import Mode, Signal
from entrypoints.container.brokers import gateway_broker
from entrypoints.settings import load_settings
from tests.fakes.ports import FixedPredictor, RecordingNotifier
from tests.fakes.risk_book import InMemoryRiskBook
from tests.fakes.series import random_walk
from tests.unit.application.test_gateway_broker_lost_answers import NOW, _signal, _terminal

BTC = Pair("BTCUSDT")


def test_the_broker_gets_a_micro_lot_whatever_the_size_allowed() -> None:
    terminal = _terminal()
    fill = GatewayBroker(Mt5Gateway(terminal, now=lambda: NOW), fixed_lots=0.01).open(_signal(), 0.5)
    assert isinstance(fill, Fill) and fill.lots == 0.01
    assert [p.volume for p in terminal.positions.values()] == [0.01]


def test_without_micro_lot_the_broker_gets_the_size_allowed() -> None:
    terminal = _terminal()
    fill = GatewayBroker(Mt5Gateway(terminal, now=lambda: NOW)).open(_signal(), 0.5)
    assert isinstance(fill, Fill) and fill.lots == 0.5


@pytest.mark.parametrize("lots", [0.0, -0.01])
def test_a_fixed_size_must_be_positive(lots: float) -> None:
    with pytest.raises(ValueError, match="fixed_lots"):
        GatewayBroker(Mt5Gateway(_terminal(), now=lambda: NOW), fixed_lots=lots)


def test_micro_lot_is_read_from_the_environment() -> None:
    on = load_settings(dotenv_path=None, environ={"MICRO_LOT": "true", "BROKER": "mt5-rest",
                                                  "MT5_BRIDGE_URL": "http://127.0.0.1:8765",
                                                  "MT5_BRIDGE_TOKEN": "bridge-secret-0123456789"}).settings
    assert on.broker.micro_lot is True
    assert load_settings(dotenv_path=None, environ={}).settings.broker.micro_lot is False
    terminal = _terminal()  # the container's broker for a live gateway carries the setting
    fill = gateway_broker(on, Mt5Gateway(terminal, now=lambda: NOW)).open(_signal(), 0.5)
    assert isinstance(fill, Fill) and fill.lots == 0.01


class _MicroPaper(Broker):
    """The paper model at 0.01 lots: what a micro-lot live broker answers, without a terminal."""

    def __init__(self) -> None:
        self._paper = PaperBroker()
        self.asked: list[float] = []

    @property
    def name(self) -> str:
        return "micro-paper"

    def open(self, signal: Signal, lots: float) -> Fill | Rejection:
        self.asked.append(lots)
        return self._paper.open(signal, 0.01)

    def close(self, position: Position, exit: PaperExit) -> Fill | Rejection:
        return self._paper.close(position, exit)


def test_the_book_records_the_lots_traded_not_the_lots_sized() -> None:
    start = datetime(2024, 3, 1, tzinfo=UTC)
    book, broker = InMemoryRiskBook(), _MicroPaper()
    scan = ScanMarket(source=ArrayCandleSource({BTC: random_walk(start, 400, seed=3)}),
                      predictor=FixedPredictor(Direction.LONG, 0.75), book=book, notifier=RecordingNotifier(),
                      broker=broker, timer=time.perf_counter,
                      config=ScanConfig(pairs=(BTC,), mode=Mode.LIVE, hysteresis=HysteresisSettings(1),
                                        initial_balance=100_000.0))
    report = scan.scan(start + timedelta(minutes=120))
    outcome = report.pairs[0]
    assert outcome.status is Status.EMITTED and broker.asked[0] > 0.01  # the guard allowed a larger size
    assert outcome.signal is not None and outcome.signal.size == 0.01
    assert [p.lots for p in report.state.account.positions] == [0.01]
    assert [s.size for s in book.signals.values()] == [0.01]
