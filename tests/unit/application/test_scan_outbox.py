"""The scan through the outbox (ScanMarket with a Delivery): the signal's message is written with
the signal and sent by no one but the drainer; the two alerts go to every alert chat once per
kind, pair and hour, even across a restart; invalid inputs are not sent."""

from __future__ import annotations

import time
from datetime import timedelta

from adapters.brokers.paper import PaperBroker
from adapters.replay import ArrayCandleSource
from application.runtime.outbox import Delivery, MessageKind
from application.runtime.outbox_drain import DrainOutbox
from application.runtime.scan_market import ScanConfig, ScanMarket
from application.runtime.scan_outcome import Controls, Status
from domain.market.candles import Direction
from domain.signals.confidence import HysteresisSettings
from domain.signals.signal import Mode
from tests.fakes.outbox import RecordingSender
from tests.fakes.ports import FixedPredictor, RecordingNotifier
from tests.fakes.risk_book import InMemoryRiskBook
from tests.fakes.series import random_walk
from tests.unit.application.test_scan_market import BTC, NOW, START

CHATS = (None, "111", "222")


def make_scan(book: InMemoryRiskBook, notifier: RecordingNotifier, controls=Controls, predictor=None,
              chats=CHATS) -> ScanMarket:
    return ScanMarket(source=ArrayCandleSource({BTC: random_walk(START, 400, seed=3)}),
                      predictor=predictor or FixedPredictor(Direction.LONG, 0.75), book=book, notifier=notifier,
                      broker=PaperBroker(), timer=time.perf_counter, controls=controls,
                      config=ScanConfig(pairs=(BTC,), mode=Mode.DRYRUN, hysteresis=HysteresisSettings(1)),
                      delivery=Delivery(book.outbox, chats))


def test_the_signal_message_is_written_with_the_signal_and_only_the_drainer_sends_it() -> None:
    book, notifier = InMemoryRiskBook(), RecordingNotifier()
    [outcome] = make_scan(book, notifier).scan(NOW).pairs
    assert outcome.status is Status.EMITTED and outcome.notify_error is None
    [row] = book.outbox.rows.values()
    assert row.message.kind is MessageKind.SIGNAL and row.message.signal_id == outcome.signal.signal_id
    assert row.message.text.startswith("[DRY-RUN] 🟢 LONG BTCUSDT") and row.message.chat_id is None
    assert notifier.messages == []
    sender = RecordingSender()
    DrainOutbox(book.outbox, sender, book.outbox.clock).step()
    assert sender.sent == [(None, row.message.text)]


def test_a_signal_the_store_refuses_leaves_no_message() -> None:
    book, notifier = InMemoryRiskBook(), RecordingNotifier()
    scan = make_scan(book, notifier)
    assert scan.scan(START - timedelta(days=1)).pairs[0].status is Status.NO_DATA
    book.fail_with = ConnectionError("db down")
    assert scan.scan(NOW).pairs[0].status is Status.STORE_FAILED
    assert book.outbox.rows == {} and notifier.messages == []


def test_a_kill_switch_alert_goes_to_each_chat_once_per_hour_even_after_a_restart() -> None:
    book, notifier = InMemoryRiskBook(), RecordingNotifier()
    kill = lambda: Controls(kill_switch=True)  # noqa: E731
    scan = make_scan(book, notifier, kill)
    for minutes in range(0, 20, 2):
        assert scan.scan(NOW + timedelta(minutes=minutes)).pairs[0].status is Status.DENIED
    make_scan(book, notifier, kill).scan(NOW + timedelta(minutes=30))  # a restart: a fresh throttle
    rows = list(book.outbox.rows.values())
    assert sorted((r.message.chat_id or "") for r in rows) == ["", "111", "222"]
    assert {r.message.kind for r in rows} == {MessageKind.ALERT} and "KILL SWITCH" in rows[0].message.text
    make_scan(book, notifier, kill).scan(NOW + timedelta(minutes=62))  # the next hour: alerted again
    assert len(book.outbox.rows) == 6 and notifier.messages == []


def test_an_alert_the_store_cannot_take_goes_to_the_notifier_at_once() -> None:
    book, notifier = InMemoryRiskBook(), RecordingNotifier()
    book.outbox.fail_with = ConnectionError("db down")
    make_scan(book, notifier, lambda: Controls(kill_switch=True)).scan(NOW)
    assert len(notifier.messages) == 1 and "KILL SWITCH" in notifier.messages[0]


def test_invalid_inputs_are_not_sent() -> None:
    book, notifier = InMemoryRiskBook(), RecordingNotifier()
    [outcome] = make_scan(book, notifier, predictor=FixedPredictor(Direction.LONG, float("nan"))).scan(NOW).pairs
    assert outcome.rules == ("invalid_input",) and outcome.alerts
    assert book.outbox.rows == {} and notifier.messages == []
