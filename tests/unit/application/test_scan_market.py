"""The scan through the FTMO core: tiers with hysteresis, the emission guard, the paper account
and the unit of work, against in-memory fakes."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from adapters.brokers.paper import PaperBroker
from adapters.replay import ArrayCandleSource
from application.runtime.scan_market import ScanConfig, ScanMarket
from application.runtime.scan_outcome import Controls, Status
from domain.execution.instruments import Instruments
from domain.execution.paper import open_paper_position
from domain.market.candles import Direction, Pair
from domain.risk import Account
from domain.risk.emission import AlertKind, GuardState
from domain.signals.confidence import HysteresisSettings
from domain.signals.signal import Mode, Signal, Tier
from tests.fakes.ports import FixedPredictor, RecordingNotifier
from tests.fakes.risk_book import InMemoryRiskBook
from tests.fakes.series import random_walk

BTC, ETH = Pair("BTCUSDT"), Pair("ETHUSDT")
START = datetime(2024, 3, 1, tzinfo=UTC)
NOW = START + timedelta(minutes=120)


def make_scan(*, predictor=None, book=None, notifier=None, controls=Controls, pairs=(BTC,), confirm=1, minutes=400,
              balance=100_000.0, broker=None, timer=time.perf_counter):
    source = ArrayCandleSource({p: random_walk(START, minutes, seed=3 + i) for i, p in enumerate(pairs)})
    scan = ScanMarket(
        source=source, predictor=predictor or FixedPredictor(Direction.LONG, 0.75),
        book=book if book is not None else InMemoryRiskBook(), notifier=notifier or RecordingNotifier(),
        broker=broker or PaperBroker(), timer=timer,
        config=ScanConfig(pairs=pairs, mode=Mode.DRYRUN, hysteresis=HysteresisSettings(confirm),
                          initial_balance=balance), controls=controls)
    return scan, source


def test_emits_a_sized_signal_records_it_with_the_state_and_notifies() -> None:
    book, notifier = InMemoryRiskBook(), RecordingNotifier()
    scan, source = make_scan(book=book, notifier=notifier)
    [outcome] = scan.scan(NOW).pairs
    assert outcome.status is Status.EMITTED
    signal = outcome.signal
    assert signal.entry == source.window(BTC, NOW, 1).close[-1]
    assert signal.tier is Tier.HIGH and signal.take_profit > signal.entry > signal.stop_loss
    assert signal.size is not None and signal.size > 0
    assert book.signals[signal.signal_id] == signal
    [position] = book.state.account.positions
    assert position.position_id == signal.signal_id and position.lots == signal.size
    assert [e.pair for e in book.state.emissions] == [BTC]
    assert notifier.messages[0].startswith("[DRY-RUN] 🟢 LONG BTCUSDT")


def test_a_pair_moves_up_a_tier_only_after_two_scans_above_it() -> None:
    scan, _ = make_scan(confirm=2)
    assert scan.scan(NOW).pairs[0].status is Status.UNCONFIRMED
    assert scan.scan(NOW + timedelta(minutes=2)).pairs[0].status is Status.EMITTED


def test_below_the_lowest_tier_nothing_is_emitted() -> None:
    notifier = RecordingNotifier()
    scan, _ = make_scan(predictor=FixedPredictor(Direction.LONG, 0.52), notifier=notifier)
    assert scan.scan(NOW).pairs[0].status is Status.BELOW_TIER
    assert notifier.messages == []


def test_an_open_trade_blocks_a_second_signal_on_the_pair() -> None:
    scan, _ = make_scan()
    assert scan.scan(NOW).pairs[0].status is Status.EMITTED
    assert scan.scan(NOW + timedelta(minutes=2)).pairs[0].status is Status.IN_POSITION


def test_kill_switch_denies_alerts_and_records_nothing() -> None:
    book, notifier = InMemoryRiskBook(), RecordingNotifier()
    scan, _ = make_scan(book=book, notifier=notifier, controls=lambda: Controls(kill_switch=True))
    report = scan.scan(NOW)
    [outcome] = report.pairs
    assert outcome.status is Status.DENIED and "kill_switch" in outcome.rules
    assert [a.kind for a in outcome.alerts] == [AlertKind.KILL_SWITCH_ATTEMPT]
    assert book.signals == {} and len(notifier.messages) == 1 and "KILL SWITCH" in notifier.messages[0]
    assert book.state.kill_switch


def test_rate_limit_over_the_rolling_hour() -> None:
    scan, _ = make_scan(pairs=(BTC, ETH), controls=lambda: Controls(max_signals_per_hour=1))
    first, second = scan.scan(NOW).pairs
    assert first.status is Status.EMITTED
    assert second.status is Status.DENIED and second.rules == ("rate_limit",)


def test_a_signal_that_cannot_be_recorded_is_not_announced_nor_counted() -> None:
    book, notifier = InMemoryRiskBook(), RecordingNotifier()
    scan, _ = make_scan(book=book, notifier=notifier)
    assert scan.scan(START - timedelta(days=1)).pairs[0].status is Status.NO_DATA  # the state is loaded
    book.fail_with = ConnectionError("db down")
    report = scan.scan(NOW)
    assert report.pairs[0].status is Status.STORE_FAILED and "db down" in report.pairs[0].reasons[0]
    assert report.store_error is not None and notifier.messages == []
    assert report.state.account.positions == () and report.state.emissions == ()
    book.fail_with = None
    assert scan.scan(NOW + timedelta(minutes=2)).pairs[0].status is Status.EMITTED


def test_trades_close_at_their_levels_and_the_outcome_is_recorded() -> None:
    book = InMemoryRiskBook()
    scan, _ = make_scan(book=book)
    emitted = scan.scan(NOW).pairs[0].signal
    report = scan.scan(NOW + timedelta(minutes=90))
    [closed] = report.closed
    assert closed.error is None and closed.outcome.signal_id == emitted.signal_id
    assert book.outcomes[emitted.signal_id] == closed.outcome
    assert report.state.account.balance == pytest.approx(100_000 + closed.close.pnl)
    assert report.pairs[0].status is Status.EMITTED  # the pair is free again


def _state_after_losses(balance: float) -> GuardState:
    account = attrs.evolve(Account.start(100_000, NOW), balance=balance)
    return GuardState(account, as_of=NOW)


def test_guardrail_past_the_internal_daily_floor_every_attempt_is_blocked_and_alerted() -> None:
    book, notifier = InMemoryRiskBook(), RecordingNotifier()
    book.state = _state_after_losses(95_400)  # 4.6 % down on the day: past the plan's 4.5 %
    scan, _ = make_scan(book=book, notifier=notifier)
    for minutes in range(0, 20, 2):
        [outcome] = scan.scan(NOW + timedelta(minutes=minutes)).pairs
        assert outcome.status is Status.DENIED and "internal_daily_loss" in outcome.rules
        assert AlertKind.LOSS_LIMIT_ATTEMPT in [a.kind for a in outcome.alerts]
    assert book.signals == {}
    assert sum("LOSS LIMIT" in m for m in notifier.messages) == 1  # throttled to one per hour
    restarted, _ = make_scan(book=book)
    assert restarted.scan(NOW + timedelta(minutes=30)).pairs[0].status is Status.DENIED


def test_equity_through_a_floor_closes_the_open_trades() -> None:
    spec = Instruments().spec_for(BTC)
    losing = Signal("BTC-old", BTC, Direction.LONG, 110.0, 120.0, 90.0, 0.7, Tier.HIGH, NOW - timedelta(minutes=4),
                    Mode.DRYRUN, size=5.0)
    account = open_paper_position(attrs.evolve(Account.start(100_000, NOW), balance=95_540), losing, 5.0, spec)
    book = InMemoryRiskBook()
    book.signals[losing.signal_id] = losing
    book.state = GuardState(account, as_of=NOW - timedelta(minutes=4))
    scan, _ = make_scan(book=book)
    report = scan.scan(NOW)
    assert [c.close.exit.reason.value for c in report.closed] == ["floor"]
    assert report.state.account.positions == () and book.outcomes["BTC-old"].result.value == "L"


def test_restart_resumes_the_saved_state() -> None:
    book = InMemoryRiskBook()
    first, _ = make_scan(book=book)
    first.scan(NOW)
    again, _ = make_scan(book=book)
    assert again.scan(NOW + timedelta(minutes=2)).pairs[0].status is Status.IN_POSITION


def test_a_replay_of_earlier_market_time_starts_a_fresh_account_and_duplicates_replay_into_it() -> None:
    book, notifier = InMemoryRiskBook(), RecordingNotifier()
    first, _ = make_scan(book=book)
    first.scan(NOW)
    first.scan(NOW + timedelta(minutes=90))
    again, _ = make_scan(book=book, notifier=notifier)
    report = again.scan(NOW)
    assert report.pairs[0].status is Status.DUPLICATE and notifier.messages == []
    assert len(report.state.account.positions) == 1


def test_stale_or_missing_data_is_reported_not_traded() -> None:
    scan, _ = make_scan(minutes=120)
    assert scan.scan(NOW + timedelta(minutes=10)).pairs[0].status is Status.STALE
    scan2, _ = make_scan(minutes=120)
    assert scan2.scan(START - timedelta(days=1)).pairs[0].status is Status.NO_DATA


def test_two_losses_within_the_hour_halve_the_next_size() -> None:
    normal, _ = make_scan(balance=200.0)
    full = normal.scan(NOW).pairs[0].signal.size
    book = InMemoryRiskBook()
    account = Account.start(200.0, NOW)
    book.state = GuardState(account, losses=(NOW - timedelta(minutes=50), NOW - timedelta(minutes=20)), as_of=NOW)
    backed_off, _ = make_scan(book=book, balance=200.0)
    half = backed_off.scan(NOW).pairs[0].signal.size
    assert 0 < full < 5 and half == pytest.approx(full / 2, abs=0.011)
