"""Live: the guard reads the broker's balance and equity. A broker account below the internal daily
floor blocks emission though the book's own account is untouched; one that cannot be read leaves
the equity unknown, so nothing is emitted until it is read again."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from adapters.brokers.paper import PaperBroker
from adapters.replay import ArrayCandleSource
from application.brokers.ports import BrokerUnavailable
from application.brokers.values import AccountInfo
from application.runtime.scan_market import ScanConfig, ScanMarket
from application.runtime.scan_outcome import Status
from domain.market.candles import Direction, Pair
from domain.risk import Account
from domain.risk.account import sync_with_broker
from domain.signals.confidence import HysteresisSettings
from domain.signals.signal import Mode
from tests.fakes.ports import FixedPredictor, RecordingNotifier
from tests.fakes.risk_book import InMemoryRiskBook
from tests.fakes.series import random_walk
from tests.unit.domain.builders import position

BTC = Pair("BTCUSDT")
START = datetime(2024, 3, 1, tzinfo=UTC)
NOW = START + timedelta(minutes=120)


class BrokerAccount:
    def __init__(self, balance: float, equity: float) -> None:
        self.info: AccountInfo | None = AccountInfo(balance, equity, 0.0, equity, "USD")

    def __call__(self) -> AccountInfo:
        if self.info is None:
            raise BrokerUnavailable("the terminal is gone")
        return self.info


def make_scan(account: BrokerAccount) -> tuple[ScanMarket, InMemoryRiskBook]:
    book = InMemoryRiskBook()
    scan = ScanMarket(source=ArrayCandleSource({BTC: random_walk(START, 400, seed=3)}),
                      predictor=FixedPredictor(Direction.LONG, 0.75), book=book, notifier=RecordingNotifier(),
                      broker=PaperBroker(), timer=time.perf_counter,
                      config=ScanConfig(pairs=(BTC,), mode=Mode.LIVE, hysteresis=HysteresisSettings(1),
                                        initial_balance=100_000.0), account=account)
    return scan, book


def test_the_guard_reads_the_brokers_balance_and_equity() -> None:
    report = make_scan(BrokerAccount(99_000.0, 98_750.0))[0].scan(NOW)
    assert report.pairs[0].status is Status.EMITTED
    # the broker's figures, less what the new position already costs at its mark
    assert report.state.account.balance == 99_000.0 and report.state.account.equity <= 98_750.0


def test_a_broker_equity_past_the_internal_daily_floor_blocks_emission() -> None:
    scan, book = make_scan(BrokerAccount(100_000.0, 95_400.0))  # the internal daily floor is 95 500
    report = scan.scan(NOW)
    assert report.pairs[0].status is Status.DENIED and "internal_daily_loss" in report.pairs[0].rules
    assert report.account.account.equity == 95_400.0 and report.account.must_close and book.signals == {}


def test_an_account_that_cannot_be_read_emits_nothing_until_it_can() -> None:
    account = BrokerAccount(100_000.0, 100_000.0)
    account.info = None
    scan, book = make_scan(account)
    report = scan.scan(NOW)
    assert report.pairs[0].status is Status.DENIED and "cannot be read" in report.pairs[0].reasons[0]
    assert book.signals == {}
    account.info = AccountInfo(100_000.0, 100_000.0, 0.0, 100_000.0, "USD")
    assert scan.scan(NOW + timedelta(minutes=2)).pairs[0].status is Status.EMITTED


def test_a_sync_keeps_the_brokers_equity_as_a_gap_over_the_books_marks() -> None:
    held = position(lots=1, entry=60_000, mark=60_500)
    synced = sync_with_broker(Account.start(100_000, NOW), 100_010.0, 100_480.0)
    assert (synced.balance, synced.equity) == (100_010.0, 100_480.0)
    with_position = sync_with_broker(attrs.evolve(Account.start(100_000, NOW), positions=(held,)), 100_010.0,
                                     100_480.0)
    assert with_position.equity == pytest.approx(100_480.0) and with_position.equity_gap == pytest.approx(-30.0)
    with pytest.raises(ValueError, match="finite"):
        sync_with_broker(synced, float("nan"), 1.0)

