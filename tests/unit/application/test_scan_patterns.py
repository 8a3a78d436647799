"""At scan time the confidence moves towards its pattern's history before the tier is read; on
close the pattern counts the outcome, once."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from adapters.brokers.paper import PaperBroker
from adapters.replay import ArrayCandleSource
from application.runtime.scan_market import ScanConfig, ScanMarket
from application.runtime.scan_outcome import Status
from domain.market.candles import Direction, Pair
from domain.signals.confidence import HysteresisSettings, PatternSettings
from domain.signals.pattern_key import pattern_of
from domain.signals.patterns import PatternKey, PatternRecord
from domain.signals.signal import Mode, Prediction, Tier
from domain.stats.outcomes import Result
from tests.fakes.patterns import FakePatternRepository
from tests.fakes.ports import FixedPredictor, RecordingNotifier
from tests.fakes.risk_book import InMemoryRiskBook
from tests.fakes.series import random_walk

BTC = Pair("BTCUSDT")
START = datetime(2024, 3, 1, tzinfo=UTC)
NOW = START + timedelta(minutes=120)
CLOSED = NOW + timedelta(minutes=62)  # past the 60-minute holding time: the trade is closed by then
SOURCE = ArrayCandleSource({BTC: random_walk(START, 400, seed=3)})
FULL = PatternSettings(min_samples=30, weight=0.5, max_shift=1.0)  # no cap, to read the pull itself


def _key() -> PatternKey:
    key = pattern_of(SOURCE.window(BTC, NOW, 61), Prediction(Direction.LONG, 0.75))
    assert key is not None
    return key


def _scan(store: FakePatternRepository | None, patterns: PatternSettings | None = FULL,
          book: InMemoryRiskBook | None = None) -> ScanMarket:
    return ScanMarket(source=SOURCE, predictor=FixedPredictor(Direction.LONG, 0.75, lookback=61),
                      book=book if book is not None else InMemoryRiskBook(), notifier=RecordingNotifier(),
                      broker=PaperBroker(), timer=time.perf_counter, patterns=store,
                      config=ScanConfig(pairs=(BTC,), mode=Mode.DRYRUN, hysteresis=HysteresisSettings(1),
                                        patterns=patterns))


def test_the_tier_is_read_on_the_confidence_the_patterns_history_moved() -> None:
    key = _key()
    book = InMemoryRiskBook()
    [outcome] = _scan(FakePatternRepository(PatternRecord(key.pattern_hash, key.name, 15, 30)), book=book).scan(NOW).pairs
    # 0.75 pulled half-way (weight 0.5, 30 samples) towards the 50 % the pattern won: 0.625, MEDIUM not HIGH
    assert outcome.status is Status.EMITTED and outcome.signal.confidence == pytest.approx(0.625)
    assert outcome.signal.tier is Tier.MEDIUM and outcome.prediction.probability == 0.75
    assert outcome.signal.pattern == key and book.signals[outcome.signal.signal_id].pattern == key


def test_a_pattern_below_the_sample_floor_pulls_in_proportion() -> None:
    key = _key()
    [outcome] = _scan(FakePatternRepository(PatternRecord(key.pattern_hash, key.name, 3, 6))).scan(NOW).pairs
    assert outcome.signal.confidence == pytest.approx(0.75 + 0.5 * 6 / 30 * (0.5 - 0.75))  # 0.725
    capped = PatternSettings(min_samples=30, weight=0.5, max_shift=0.05)
    [outcome] = _scan(FakePatternRepository(PatternRecord(key.pattern_hash, key.name, 0, 30)), capped).scan(NOW).pairs
    assert outcome.signal.confidence == pytest.approx(0.70)  # never more than max_shift


def test_a_pattern_that_lost_enough_keeps_the_pair_below_the_tiers() -> None:
    key = _key()
    [outcome] = _scan(FakePatternRepository(PatternRecord(key.pattern_hash, key.name, 0, 60))).scan(NOW).pairs
    assert outcome.status is Status.BELOW_TIER  # 0.75 -> 0.375


def test_an_unreadable_pattern_store_leaves_the_models_confidence_and_says_why() -> None:
    key = _key()
    store = FakePatternRepository(PatternRecord(key.pattern_hash, key.name, 0, 60),
                                  fail_reads=OSError("connection refused"))
    scan = _scan(store)
    report = scan.scan(NOW)
    [outcome] = report.pairs
    assert outcome.status is Status.EMITTED and outcome.signal.confidence == 0.75 and outcome.signal.tier is Tier.HIGH
    assert outcome.pattern_error.startswith(f"pattern {key.pattern_hash} unreadable: ")
    assert outcome.pattern_error.endswith("OSError: connection refused")
    assert report.pattern_note == "pattern store unreadable (OSError: connection refused): no adjustment until it answers"
    [closed] = scan.scan(CLOSED).closed  # still down: the close stands, its pattern count is reported lost
    assert closed.error is None and "connection refused" in closed.pattern_error
    store.fail_reads = None  # back: the run uses it from then on (nothing in it is later than the run's start)
    report = scan.scan(CLOSED + timedelta(minutes=62))
    assert report.pattern_note is None and len(report.closed) == 1 and len(store.counted) == 1


def test_with_the_adjustment_off_the_store_is_not_read_but_the_pattern_is_carried() -> None:
    store = FakePatternRepository(PatternRecord(_key().pattern_hash, _key().name, 0, 60))
    [outcome] = _scan(store, patterns=None).scan(NOW).pairs
    assert outcome.signal.confidence == 0.75 and outcome.signal.pattern == _key() and store.reads == []


def test_a_close_counts_its_patterns_outcome_once_and_a_replayed_close_does_not() -> None:
    store, book = FakePatternRepository(), InMemoryRiskBook()
    scan = _scan(store, book=book)
    signal = scan.scan(NOW).pairs[0].signal
    [closed] = scan.scan(CLOSED).closed
    assert closed.close.position.pattern == _key() and closed.pattern_error is None
    assert store.counted == [(_key().pattern_hash, closed.outcome.result is Result.WIN, closed.outcome.exit_time)]
    # the same trade closed again over a risk book that has it closed already (a replay of the same
    # hours from scratch): record_outcome answers False, and the pattern counts nothing
    again, fresh = InMemoryRiskBook(), FakePatternRepository()
    again.signals, again.outcomes = dict(book.signals), dict(book.outcomes)
    rerun = _scan(fresh, book=again)
    assert rerun.scan(NOW).pairs[0].status is Status.DUPLICATE
    assert [c.close.position.position_id for c in rerun.scan(CLOSED).closed] == [signal.signal_id]
    assert fresh.counted == []


def test_a_pattern_count_that_fails_is_reported_and_the_close_stands() -> None:
    store, book = FakePatternRepository(fail_writes=OSError("disk full")), InMemoryRiskBook()
    scan = _scan(store, book=book)
    scan.scan(NOW)
    [closed] = scan.scan(CLOSED).closed
    assert closed.error is None and closed.pattern_error == "OSError: disk full"
    assert closed.outcome.signal_id in book.outcomes
    assert closed.outcome.signal_id not in {p.position_id for p in book.state.account.positions}


def test_a_run_starting_before_the_stores_latest_outcome_learns_in_memory() -> None:
    key = _key()
    store = FakePatternRepository(PatternRecord(key.pattern_hash, key.name, 0, 60))
    store.latest = NOW + timedelta(days=1)  # the store has already seen this run's future
    scan = _scan(store)
    report = scan.scan(NOW)
    assert report.pairs[0].signal.confidence == 0.75 and store.reads == []  # the losing history is not read
    assert "learns patterns in memory" in (report.pattern_note or "")
    scan.scan(CLOSED)
    assert store.counted == [] and store.get(key.pattern_hash).total == 60  # nor counted into
    assert scan.scan(CLOSED + timedelta(minutes=2)).pattern_note is None  # said once
