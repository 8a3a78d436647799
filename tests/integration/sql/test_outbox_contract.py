"""The outbox: one contract over the in-memory fake, SQLite and Postgres; and the signal written
with its message in one transaction."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from adapters.sql import SqlOutbox, SqlRiskBook
from adapters.sql.tables import account_days, outbox, risk_book
from application.runtime.outbox import Backlog, MessageKind, OutboxMessage
from tests.fakes.outbox import InMemoryOutbox
from tests.fakes.risk_book import InMemoryRiskBook
from tests.integration.sql.conftest import migrated_engine
from tests.integration.sql.states import START, fresh_state
from tests.integration.sql.test_risk_book_contract import make_signal

LATER = START + timedelta(minutes=5)


def alert(n: int, chat: str | None = None) -> OutboxMessage:
    return OutboxMessage(f"alert:{n}:{chat}", MessageKind.ALERT, f"alert {n}", chat_id=chat)


def signal_message(n: int) -> OutboxMessage:
    return OutboxMessage.for_signal(f"BTCUSDT-{n}", f"signal {n}")


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request, tmp_path) -> SimpleNamespace:
    if request.param == "memory":
        box = InMemoryOutbox(clock=lambda: START)
        return SimpleNamespace(outbox=box, book=InMemoryRiskBook(outbox=box), engine=None)
    engine = migrated_engine(request, tmp_path, request.param)
    return SimpleNamespace(outbox=SqlOutbox(engine, clock=lambda: START),
                           book=SqlRiskBook(engine, "dryrun", clock=lambda: START), engine=engine)


def test_a_message_is_claimed_once_until_released(store) -> None:
    assert store.outbox.enqueue(alert(1, "42")) is True
    pending = store.outbox.claim_next(START)
    assert pending is not None and pending.message == alert(1, "42")
    assert (pending.attempts, pending.created_at) == (1, START)
    assert store.outbox.claim_next(START) is None  # claimed: no second drainer gets it
    store.outbox.reschedule(pending.id, LATER, "NetworkError: 500")
    assert store.outbox.claim_next(LATER - timedelta(seconds=1)) is None
    again = store.outbox.claim_next(LATER)
    assert again is not None and again.id == pending.id and again.attempts == 2


def test_the_same_dedup_key_is_kept_once(store) -> None:
    assert store.outbox.enqueue(alert(1)) is True
    assert store.outbox.enqueue(alert(1)) is False
    assert store.outbox.backlog() == Backlog(pending=1, given_up=0, oldest_pending=START, next_attempt_at=START)


def test_due_messages_come_oldest_first_and_delivered_ones_never_again(store) -> None:
    for n in (1, 2, 3):
        store.outbox.enqueue(alert(n))
    claimed = [store.outbox.claim_next(START) for _ in range(3)]
    assert [p.message.text for p in claimed if p] == ["alert 1", "alert 2", "alert 3"]
    store.outbox.mark_delivered(claimed[0].id, LATER)
    store.outbox.give_up(claimed[1].id, LATER, "Forbidden: bot was blocked by the user")
    store.outbox.reschedule(claimed[2].id, LATER, "TimedOut")
    assert store.outbox.backlog() == Backlog(pending=1, given_up=1, oldest_pending=START, next_attempt_at=LATER)
    last = store.outbox.claim_next(LATER)
    assert last is not None and last.message.text == "alert 3"
    assert store.outbox.claim_next(LATER + timedelta(days=1)) is None


def test_a_claim_left_by_a_dead_drainer_is_given_up_not_resent(store) -> None:
    store.outbox.enqueue(alert(1))
    store.outbox.enqueue(alert(2))
    pending = store.outbox.claim_next(START)
    assert store.outbox.expire_claims(START, LATER) == []  # not older than the lease yet
    [expired] = store.outbox.expire_claims(START + timedelta(seconds=1), LATER)
    assert expired.id == pending.id and expired.message == alert(1)
    second = store.outbox.claim_next(LATER)
    assert second is not None and second.message == alert(2)
    assert store.outbox.backlog().given_up == 1


def test_a_signal_is_written_with_its_message_and_a_duplicate_adds_neither(store) -> None:
    assert store.book.record_signal(make_signal(1), fresh_state(), signal_message(1)) is True
    assert store.book.record_signal(make_signal(1), fresh_state(), signal_message(1)) is False
    assert store.book.record_signal(make_signal(2), fresh_state()) is True  # no message: none queued
    pending = store.outbox.claim_next(START)
    assert pending is not None and pending.message == signal_message(1) and pending.message.signal_id == "BTCUSDT-1"
    assert store.outbox.claim_next(START) is None


def test_a_failing_write_takes_the_signal_and_its_message_back(store) -> None:
    if store.engine is None:
        store.book.fail_with = ConnectionError("database is down")
        with pytest.raises(ConnectionError):
            store.book.record_signal(make_signal(1), fresh_state(), signal_message(1))
        assert store.book.signals == {}
    else:
        with store.engine.begin() as connection:  # the state write comes after the message: it fails last
            account_days.drop(connection)
        with pytest.raises(sa.exc.DBAPIError, match="account_days"):
            store.book.record_signal(make_signal(1), fresh_state(), signal_message(1))
        with store.engine.connect() as connection:
            counts = [connection.execute(sa.select(sa.func.count()).select_from(t)).scalar_one()
                      for t in (risk_book, outbox)]
        assert counts == [0, 0]
    assert store.outbox.backlog() == Backlog()


def test_a_chat_id_too_long_for_its_column_is_refused_on_every_backend(tmp_path, request) -> None:
    for backend in ("sqlite", "postgres"):
        box = SqlOutbox(migrated_engine(request, tmp_path / backend, backend))
        with pytest.raises(ValueError, match="chat_id is longer than 32"):
            box.enqueue(alert(1, "9" * 33))
