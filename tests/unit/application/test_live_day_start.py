"""Live: the daily loss floor rests on the broker's balance at the Prague midnight that opened the
day (its balance now less what every deal since booked), read once a day, never on the book's
guess; a balance that cannot be read withholds every signal."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta

import attrs
import pytest

from adapters.brokers.paper import PaperBroker
from adapters.replay import ArrayCandleSource
from application.brokers.day_start import balance_at
from application.brokers.ports import BrokerUnavailable
from application.brokers.values import AccountInfo, Deal, DealEntry
from application.runtime.scan_market import ScanConfig, ScanMarket
from application.runtime.scan_outcome import Status
from domain.market.candles import Direction, Pair
from domain.risk.account import Account, DayResult, day_opened_at, rebase_day_start
from domain.signals.confidence import HysteresisSettings
from domain.signals.signal import Mode
from tests.fakes.ports import FixedPredictor, RecordingNotifier
from tests.fakes.risk_book import InMemoryRiskBook
from tests.fakes.series import random_walk

BTC = Pair("BTCUSDT")
START = datetime(2024, 3, 1, tzinfo=UTC)  # 01:00 in Prague
NOW = START + timedelta(minutes=120)


def _deal(at: datetime, profit: float, commission: float = 0.0, swap: float = 0.0) -> Deal:
    return Deal("d", "p", "BTCUSD", BTC, None, Direction.LONG, DealEntry.OUT, 0.1, 60_000.0, at,
                commission=commission, swap=swap, profit=profit)


class Gateway:
    """The two reads balance_at makes: the balance (a queue of answers, the last one repeated) and the deals."""

    name = "fake"

    def __init__(self, balances: list[float], deals: tuple[Deal, ...] = ()) -> None:
        self.balances = balances
        self.booked = deals
        self.deal_reads: list[tuple[datetime, datetime]] = []

    def account(self) -> AccountInfo:
        balance = self.balances.pop(0) if len(self.balances) > 1 else self.balances[0]
        return AccountInfo(balance, balance, 0.0, balance, "USD")

    def deals(self, since: datetime, until: datetime) -> tuple[Deal, ...]:
        self.deal_reads.append((since, until))
        return tuple(d for d in self.booked if since <= d.at < until)


def test_the_balance_at_midnight_is_today_s_less_what_the_deals_since_booked() -> None:
    midnight = day_opened_at(date(2024, 3, 1))
    assert midnight == datetime(2024, 2, 29, 23, tzinfo=UTC)  # CET: Prague midnight is 23:00 UTC
    gateway = Gateway([101_000.0], (_deal(midnight - timedelta(minutes=5), 700.0),  # yesterday's: not today's
                                    _deal(midnight + timedelta(hours=1), 1_500.0, commission=-10.0, swap=-5.0)))
    assert balance_at(gateway, midnight, NOW) == pytest.approx(101_000.0 - 1_485.0)  # type: ignore[arg-type]


def test_a_deal_landing_between_the_reads_is_read_again_and_a_balance_that_keeps_moving_is_unknown() -> None:
    midnight = day_opened_at(date(2024, 3, 1))
    moved = Gateway([100_000.0, 100_200.0, 100_200.0], (_deal(midnight + timedelta(hours=1), 200.0),))
    assert balance_at(moved, midnight, NOW) == pytest.approx(100_000.0)  # type: ignore[arg-type]
    assert len(moved.deal_reads) == 2
    with pytest.raises(BrokerUnavailable, match="kept moving"):
        balance_at(Gateway([1.0, 2.0, 3.0, 4.0, 5.0]), midnight, NOW)  # type: ignore[arg-type]


def test_rebasing_moves_the_day_start_the_previous_day_s_end_and_the_highest_end_of_day() -> None:
    account = attrs.evolve(Account.start(100_000.0, NOW), history=(DayResult(date(2024, 2, 29), 100_000.0, 100_000.0),))
    rebased = rebase_day_start(account, 103_000.0)
    assert rebased.day_start_balance == 103_000.0 and rebased.highest_eod_balance == 103_000.0
    assert rebased.history[-1].end_balance == 103_000.0
    lower = rebase_day_start(account, 98_000.0)  # a loss before the runtime's book existed
    assert lower.day_start_balance == 98_000.0 and lower.highest_eod_balance == 100_000.0
    for impossible in (float("nan"), 0.0, -5.0):
        with pytest.raises(ValueError, match="day-start balance"):
            rebase_day_start(account, impossible)


class BrokerDay:
    def __init__(self, balance: float, day_start: float | None) -> None:
        self.info = AccountInfo(balance, balance, 0.0, balance, "USD")
        self.opening = day_start
        self.reads: list[datetime] = []

    def account(self) -> AccountInfo:
        return self.info

    def day_start(self, at: datetime, now: datetime) -> float:
        self.reads.append(at)
        if self.opening is None:
            raise BrokerUnavailable("the history cannot be read")
        return self.opening


def _scan(broker: BrokerDay) -> ScanMarket:
    return ScanMarket(source=ArrayCandleSource({BTC: random_walk(START, 2_000, seed=3)}),
                      predictor=FixedPredictor(Direction.LONG, 0.75), book=InMemoryRiskBook(),
                      notifier=RecordingNotifier(), broker=PaperBroker(), timer=time.perf_counter,
                      config=ScanConfig(pairs=(BTC,), mode=Mode.LIVE, hysteresis=HysteresisSettings(1),
                                        initial_balance=100_000.0),
                      account=broker.account, day_start=broker.day_start)


def test_the_first_live_day_starts_from_the_broker_s_midnight_balance_read_once_a_day() -> None:
    broker = BrokerDay(104_000.0, 103_000.0)  # the account made 3 % before this book existed
    scan = _scan(broker)
    first = scan.scan(NOW)
    assert first.state.account.day_start_balance == 103_000.0
    assert first.account.floors.daily == pytest.approx(103_000.0 - 5_000.0)  # 5 % of the initial balance
    scan.scan(NOW + timedelta(minutes=2))
    assert broker.reads == [day_opened_at(date(2024, 3, 1))]
    broker.opening = 104_500.0
    next_day = scan.scan(datetime(2024, 3, 1, 23, 5, tzinfo=UTC))  # 00:05 on 2 March in Prague
    assert broker.reads[-1] == datetime(2024, 3, 1, 23, tzinfo=UTC)
    assert next_day.state.account.day_start_balance == 104_500.0


def test_a_day_start_that_cannot_be_read_withholds_every_signal() -> None:
    report = _scan(BrokerDay(104_000.0, None)).scan(NOW)
    [outcome] = report.pairs
    assert outcome.status is Status.DENIED and "cannot be read" in outcome.reasons[0]
