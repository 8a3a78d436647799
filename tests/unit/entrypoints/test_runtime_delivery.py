"""The runtime's delivery worker and its choices: alert chats, a store outage logged once, the
retries waited for at the end, the summary in words."""

from __future__ import annotations

import attrs

from application.runtime.errors import DeliveryError
from application.runtime.outbox import MessageKind, OutboxMessage
from entrypoints.runtime_delivery import DeliveryWorker, alert_chats, describe_delivery
from entrypoints.settings import Settings
from tests.fakes.outbox import InMemoryOutbox, RecordingSender
from tests.unit.entrypoints.test_runtime_log import RecordingLog


def message(n: int) -> OutboxMessage:
    return OutboxMessage(f"k{n}", MessageKind.ALERT, f"message {n}")


def test_alerts_go_to_the_configured_chat_and_each_other_allowed_user() -> None:
    base = Settings()
    assert alert_chats(base) == (None,)  # the console: one
    telegram = attrs.evolve(base.notifier, name="telegram", telegram_chat_id="111",
                            telegram_allowed_user_ids=(111, 222))
    assert alert_chats(attrs.evolve(base, notifier=telegram)) == (None, "222")  # 111's chat is the configured one
    nobody = attrs.evolve(telegram, telegram_allowed_user_ids=())
    assert alert_chats(attrs.evolve(base, notifier=nobody)) == (None,)


def test_inline_the_worker_sends_what_was_left_at_start_and_each_scans_messages() -> None:
    box, sender, log = InMemoryOutbox(), RecordingSender(), RecordingLog()
    box.enqueue(message(1))
    worker = DeliveryWorker(box, sender, log, threaded=False).start()
    assert sender.sent == [(None, "message 1")]
    box.enqueue(message(2))
    worker.after_scan()
    worker.close()
    assert sender.sent == [(None, "message 1"), (None, "message 2")]
    assert worker.summary() | {"oldest_pending": None} == {
        "delivered": 2, "retried": 0, "given_up": 0, "interrupted": 0, "pending": 0, "given_up_total": 0,
        "oldest_pending": None}
    assert [level for level, _ in log.events("outbox_delivered")] == ["debug", "debug"]


def test_at_close_a_retry_due_soon_is_waited_for_and_a_later_one_left_for_the_next_start() -> None:
    box, log = InMemoryOutbox(), RecordingLog()
    soon = DeliveryError("flood", permanent=False, retry_after_s=0.2)
    later = DeliveryError("flood", permanent=False, retry_after_s=60)
    for failure, delivered in ((soon, 1), (later, 0)):
        box.enqueue(message(delivered + 10))
        worker = DeliveryWorker(box, RecordingSender(failure), log, threaded=False, close_wait_s=2.0)
        worker.close()
        assert worker.counts["delivered"] == delivered
    assert box.backlog().pending == 1
    [(level, fields)] = log.events("outbox_backlog_at_stop")
    assert level == "warning" and fields["pending"] == 1


def test_threaded_the_worker_delivers_without_the_scan_waiting() -> None:
    box, sender = InMemoryOutbox(), RecordingSender()
    worker = DeliveryWorker(box, sender, RecordingLog(), threaded=True).start()
    box.enqueue(message(1))
    worker.after_scan()
    worker.close()
    assert sender.sent == [(None, "message 1")]


def test_a_store_outage_is_logged_once_and_its_end_once() -> None:
    box, log = InMemoryOutbox(), RecordingLog()
    worker = DeliveryWorker(box, RecordingSender(), log, threaded=False)
    box.fail_with = ConnectionError("connection refused")
    for _ in range(3):
        worker.step()
    box.fail_with = None
    worker.step()
    assert [f["error"] for _, f in log.events("outbox_unavailable")] == ["ConnectionError: connection refused"]
    assert len(log.events("outbox_available")) == 1


def test_the_summary_in_words() -> None:
    counts = {"delivered": 12, "retried": 3, "given_up": 1, "interrupted": 0}
    assert describe_delivery({**counts, "pending": 0}) == "12 messages delivered, 3 retries, 1 given up (see the log)"
    assert describe_delivery({**counts, "given_up": 0, "pending": 2, "oldest_pending": "2025-03-30T10:00:00+00:00"}) == (
        "12 messages delivered, 3 retries; 2 still in the outbox since 2025-03-30 10:00 UTC, sent at the next start")
