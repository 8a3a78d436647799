"""DrainOutbox over the in-memory outbox: what is retried, when, what is given up, and that a
delivered message is never sent again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from application.runtime.errors import DeliveryError
from application.runtime.outbox import MessageKind, OutboxMessage
from application.runtime.outbox_drain import DrainOutbox, DrainPolicy
from tests.fakes.outbox import INTERRUPTED, InMemoryOutbox, RecordingSender

T0 = datetime(2025, 3, 30, 12, 0, tzinfo=UTC)
FLOOD = DeliveryError("Too Many Requests: retry after 7", permanent=False, retry_after_s=7.0)
DOWN = DeliveryError("NetworkError: Internal Server Error (500)", permanent=False)
BLOCKED = DeliveryError("Forbidden: bot was blocked by the user", permanent=True)


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


def setup(*failures: Exception, messages: int = 1) -> tuple[DrainOutbox, InMemoryOutbox, RecordingSender, Clock]:
    clock = Clock()
    box, sender = InMemoryOutbox(clock=clock), RecordingSender(*failures)
    for n in range(1, messages + 1):
        box.enqueue(OutboxMessage(f"k{n}", MessageKind.ALERT, f"message {n}", chat_id=str(n)))
    return DrainOutbox(box, sender, clock), box, sender, clock


def test_a_delivered_message_is_sent_once_and_never_again() -> None:
    drain, box, sender, clock = setup(messages=2)
    report = drain.step()
    assert [p.message.text for p in report.delivered] == ["message 1", "message 2"]
    assert sender.sent == [("1", "message 1"), ("2", "message 2")]
    clock.now += timedelta(days=1)
    assert drain.step().delivered == () and sender.attempts == 2
    assert box.backlog().pending == 0


def test_flood_control_holds_every_message_for_the_servers_retry_after() -> None:
    drain, _, sender, clock = setup(FLOOD, messages=2)
    report = drain.step()
    [retry] = report.retrying
    assert retry.next_attempt_at == T0 + timedelta(seconds=7) and "retry after 7" in retry.error
    assert sender.attempts == 1 and report.delivered == ()  # message 2 was not tried into the same limit
    clock.now += timedelta(seconds=6)
    assert drain.step().delivered == () and sender.attempts == 1  # message 2 does not overtake message 1
    clock.now += timedelta(seconds=1)
    assert [p.message.text for p in drain.step().delivered] == ["message 1", "message 2"]
    assert sender.sent == [("1", "message 1"), ("2", "message 2")]


def test_server_errors_back_off_exponentially_up_to_the_cap() -> None:
    policy = DrainPolicy(backoff=timedelta(seconds=5), max_backoff=timedelta(seconds=12))  # not the defaults
    drain, box, sender, clock = setup(DOWN, DOWN, DOWN, RuntimeError("connection reset"))
    drain = DrainOutbox(box, sender, clock, policy)
    waits = []
    for _ in range(4):
        [retry] = drain.step().retrying
        waits.append(retry.next_attempt_at - clock.now)
        clock.now = retry.next_attempt_at
    assert waits == [timedelta(seconds=s) for s in (5, 10, 12, 12)]
    assert [p.attempts for p in drain.step().delivered] == [5]


def test_a_permanent_refusal_is_given_up_and_the_step_goes_on() -> None:
    drain, box, sender, _ = setup(BLOCKED, messages=2)
    report = drain.step()
    assert [f.error for f in report.given_up] == ["Forbidden: bot was blocked by the user"]
    assert sender.sent == [("2", "message 2")]
    assert box.rows[1].given_up_at == T0 and box.rows[1].last_error == "Forbidden: bot was blocked by the user"


def test_a_message_failing_for_a_day_is_given_up() -> None:
    drain, box, _, clock = setup(DOWN, DOWN)
    drain.step()
    clock.now += timedelta(hours=24)
    [failure] = drain.step().given_up
    assert failure.error.startswith("still failing 1 day") and box.backlog().given_up == 1


def test_a_claim_older_than_the_lease_is_given_up_as_interrupted() -> None:
    drain, box, sender, clock = setup(messages=2)
    box.claim_next(T0)  # a drainer that died while sending message 1
    clock.now += timedelta(minutes=5, seconds=1)
    report = drain.step()
    assert [p.message.text for p in report.interrupted] == ["message 1"]
    assert sender.sent == [("2", "message 2")] and box.rows[1].last_error == INTERRUPTED


def test_a_store_that_is_down_ends_the_step_with_its_error() -> None:
    drain, box, sender, _ = setup()
    box.fail_with = ConnectionError("connection refused")
    report = drain.step()
    assert report.store_error == "ConnectionError: connection refused" and sender.attempts == 0
    box.fail_with = None
    assert len(drain.step().delivered) == 1


@pytest.mark.parametrize("after", [None, 0.0, 30.0])
def test_the_delay_honours_retry_after_when_given(after) -> None:
    delay = DrainPolicy().delay(3, after)
    assert delay == (timedelta(seconds=8) if after is None else timedelta(seconds=after))
