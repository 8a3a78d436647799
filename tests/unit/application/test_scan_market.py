from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from adapters.replay import ArrayCandleSource
from application.scan_market import Decision, ScanConfig, ScanMarket, Status, kill_switch_guard
from domain.market import Direction, Pair
from domain.signals import Mode, Tier
from tests.fakes.ports import FixedPredictor, InMemorySignalRepository, RecordingNotifier
from tests.fakes.series import random_walk

BTC = Pair("BTCUSDT")
START = datetime(2024, 3, 1, tzinfo=UTC)
NOW = START + timedelta(minutes=120)


def make_scan(*, predictor=None, signals=None, notifier=None, guard=None, minutes=120):
    source = ArrayCandleSource({BTC: random_walk(START, minutes, seed=3)})
    return ScanMarket(
        source=source,
        predictor=predictor or FixedPredictor(Direction.LONG, 0.75),
        signals=signals if signals is not None else InMemorySignalRepository(),
        notifier=notifier if notifier is not None else RecordingNotifier(),
        guard=guard or kill_switch_guard(lambda: False),
        config=ScanConfig(pairs=(BTC,), mode=Mode.DRYRUN),
    ), source


def test_emits_records_and_notifies_a_signal_with_consistent_exits() -> None:
    signals, notifier = InMemorySignalRepository(), RecordingNotifier()
    scan, source = make_scan(signals=signals, notifier=notifier)
    [outcome] = scan.scan(NOW)
    assert outcome.status is Status.EMITTED
    signal = outcome.signal
    last_close = source.window(BTC, NOW, 1).close[-1]
    assert signal.entry == last_close
    assert signal.tier is Tier.HIGH and signal.confidence == 0.75
    assert signal.take_profit > signal.entry > signal.stop_loss
    assert signal.rr == pytest.approx(1.5)
    assert signals.get(signal.signal_id) == signal
    assert len(notifier.messages) == 1
    assert notifier.messages[0].startswith("[DRY-RUN] 🟢 LONG BTCUSDT")
    assert signal.signal_id in notifier.messages[0]


def test_short_prediction_puts_stop_above_entry() -> None:
    scan, _ = make_scan(predictor=FixedPredictor(Direction.SHORT, 0.62))
    [outcome] = scan.scan(NOW)
    assert outcome.signal.tier is Tier.MEDIUM
    assert outcome.signal.stop_loss > outcome.signal.entry > outcome.signal.take_profit


def test_below_lowest_tier_nothing_is_emitted() -> None:
    notifier = RecordingNotifier()
    scan, _ = make_scan(predictor=FixedPredictor(Direction.LONG, 0.52), notifier=notifier)
    assert scan.scan(NOW)[0].status is Status.BELOW_TIER
    assert notifier.messages == []


def test_kill_switch_denies_and_nothing_is_recorded_or_sent() -> None:
    signals, notifier = InMemorySignalRepository(), RecordingNotifier()
    scan, _ = make_scan(signals=signals, notifier=notifier, guard=kill_switch_guard(lambda: True))
    [outcome] = scan.scan(NOW)
    assert outcome.status is Status.DENIED
    assert "kill_switch" in outcome.reasons[0]
    assert signals.count() == 0 and notifier.messages == []


def test_a_signal_that_cannot_be_recorded_is_not_announced() -> None:
    notifier = RecordingNotifier()
    scan, _ = make_scan(signals=InMemorySignalRepository(fail_with=ConnectionError("db down")), notifier=notifier)
    [outcome] = scan.scan(NOW)
    assert outcome.status is Status.STORE_FAILED
    assert "db down" in outcome.reasons[0]
    assert notifier.messages == []


def test_same_scan_twice_records_once_and_announces_once() -> None:
    signals, notifier = InMemorySignalRepository(), RecordingNotifier()
    scan, _ = make_scan(signals=signals, notifier=notifier)
    assert scan.scan(NOW)[0].status is Status.EMITTED
    assert scan.scan(NOW)[0].status is Status.DUPLICATE
    assert signals.count() == 1 and len(notifier.messages) == 1


def test_notifier_failure_keeps_the_signal_and_reports_the_error() -> None:
    signals = InMemorySignalRepository()
    scan, _ = make_scan(signals=signals, notifier=RecordingNotifier(fail_with=TimeoutError("telegram slow")))
    [outcome] = scan.scan(NOW)
    assert outcome.status is Status.EMITTED and "telegram slow" in outcome.notify_error
    assert signals.count() == 1


def test_stale_or_missing_data_is_reported_not_traded() -> None:
    scan, _ = make_scan()
    assert scan.scan(NOW + timedelta(minutes=10))[0].status is Status.STALE
    assert scan.scan(START - timedelta(days=1))[0].status is Status.NO_DATA


def test_guard_sees_the_candidate_and_time() -> None:
    seen = []

    def guard(candidate, now):
        seen.append((candidate.signal.pair, now))
        return Decision(False, ("test: no",))

    scan, _ = make_scan(guard=guard)
    assert scan.scan(NOW)[0].reasons == ("test: no",)
    assert seen == [(BTC, NOW)]
