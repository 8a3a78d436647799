"""The monitor's and reconciliation's messages go through the outbox like alerts: once per text,
day and chat, even when raised again after a restart; straight to the notifier when the store
cannot take them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from application.runtime.outbox import Delivery, MessageKind
from application.runtime.outbox_notifier import OutboxNotifier
from tests.fakes.outbox import InMemoryOutbox
from tests.fakes.ports import RecordingNotifier

NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)


def test_each_text_is_one_message_per_day_and_chat() -> None:
    outbox, clock = InMemoryOutbox(), [NOW]
    notifier = OutboxNotifier(Delivery(outbox, (None, "4242")), RecordingNotifier(), lambda: clock[0])
    notifier.send("drift on BTCUSDT")
    notifier.send("drift on BTCUSDT")  # raised again (a restart): the same messages, not new ones
    clock[0] = NOW + timedelta(days=1)
    notifier.send("drift on BTCUSDT")
    messages = [row.message for row in outbox.rows.values()]
    assert len(messages) == 4 and {m.chat_id for m in messages} == {None, "4242"}
    assert all(m.kind is MessageKind.ALERT and m.text == "drift on BTCUSDT" for m in messages)


def test_a_store_that_cannot_take_it_hands_it_to_the_notifier() -> None:
    fallback = RecordingNotifier()
    OutboxNotifier(Delivery(InMemoryOutbox(fail_with=OSError("database is down"))), fallback, lambda: NOW).send("position 7 is not in the risk book")
    assert fallback.messages == ["position 7 is not in the risk book"]
