"""The outbox in SQL (SQLite or Postgres): messages written with what they report, claimed one at a
time by the drainer, marked delivered or given up. See application.runtime.outbox."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from adapters.sql.dialect import insert
from adapters.sql.tables import outbox
from adapters.sql.timeutil import utc
from application.runtime.outbox import Backlog, MessageKind, Outbox, OutboxMessage, PendingMessage

INTERRUPTED = "interrupted while sending: it may or may not have arrived, and is not sent again (at most once)"
_CHAT_LENGTH: int = outbox.c.chat_id.type.length  # type: ignore[attr-defined]
_ERROR_LENGTH = 1000
_OPEN = (outbox.c.delivered_at.is_(None), outbox.c.given_up_at.is_(None))


def _wall_clock() -> datetime:
    return datetime.now(UTC)


def insert_message(connection: sa.Connection, message: OutboxMessage, at: datetime) -> bool:
    """Add ``message``, due at once, inside the caller's transaction; False when its dedup_key (or
    its signal_id) is there already."""
    if message.chat_id is not None and len(message.chat_id) > _CHAT_LENGTH:
        raise ValueError(f"outbox chat_id is longer than {_CHAT_LENGTH} characters")
    statement = (insert(connection, outbox)
                 .values(dedup_key=message.dedup_key, signal_id=message.signal_id, kind=message.kind.value,
                         chat_id=message.chat_id, text=message.text, created_at=at, attempts=0, next_attempt_at=at)
                 .on_conflict_do_nothing().returning(outbox.c.id))
    return connection.execute(statement).first() is not None


class SqlOutbox(Outbox):
    """``clock`` stamps ``created_at`` of the messages enqueued here (the risk book stamps those it
    writes with a signal)."""

    def __init__(self, engine: sa.Engine, clock: Callable[[], datetime] = _wall_clock) -> None:
        self._engine = engine
        self._clock = clock

    def enqueue(self, message: OutboxMessage) -> bool:
        with self._engine.begin() as connection:
            return insert_message(connection, message, self._clock())

    def claim_next(self, now: datetime) -> PendingMessage | None:
        free = (*_OPEN, outbox.c.claimed_at.is_(None))
        due = sa.select(outbox).where(*free, outbox.c.next_attempt_at <= now).order_by(outbox.c.id).limit(5)
        with self._engine.begin() as connection:
            for row in connection.execute(due).all():
                # a concurrent drainer may have claimed it since the select: the update then matches nothing
                claim = (sa.update(outbox).where(outbox.c.id == row.id, *free)
                         .values(claimed_at=now, attempts=outbox.c.attempts + 1))
                if connection.execute(claim).rowcount == 1:
                    return _pending(row._mapping, attempts=row.attempts + 1)
        return None

    def mark_delivered(self, message_id: int, at: datetime) -> None:
        self._update(message_id, delivered_at=at, claimed_at=None, last_error=None)

    def reschedule(self, message_id: int, next_attempt_at: datetime, error: str) -> None:
        self._update(message_id, next_attempt_at=next_attempt_at, claimed_at=None, last_error=error[:_ERROR_LENGTH])

    def give_up(self, message_id: int, at: datetime, error: str) -> None:
        self._update(message_id, given_up_at=at, claimed_at=None, last_error=error[:_ERROR_LENGTH])

    def expire_claims(self, claimed_before: datetime, at: datetime) -> Sequence[PendingMessage]:
        stale = (*_OPEN, outbox.c.claimed_at < claimed_before)
        with self._engine.begin() as connection:
            rows = connection.execute(sa.select(outbox).where(*stale).order_by(outbox.c.id)).all()
            if rows:
                connection.execute(sa.update(outbox).where(outbox.c.id.in_([r.id for r in rows]), *stale)
                                   .values(given_up_at=at, last_error=INTERRUPTED))
        return [_pending(row._mapping, attempts=row.attempts) for row in rows]

    def backlog(self) -> Backlog:
        pending = sa.and_(*_OPEN)
        query = sa.select(sa.func.count().filter(pending), sa.func.count().filter(outbox.c.given_up_at.isnot(None)),
                          sa.func.min(outbox.c.created_at).filter(pending),
                          sa.func.min(outbox.c.next_attempt_at).filter(pending, outbox.c.claimed_at.is_(None)))
        with self._engine.connect() as connection:
            waiting, given_up, oldest, due = connection.execute(query).one()
        return Backlog(int(waiting), int(given_up), None if oldest is None else utc(oldest),
                       None if due is None else utc(due))

    def _update(self, message_id: int, **values: Any) -> None:
        with self._engine.begin() as connection:
            connection.execute(sa.update(outbox).where(outbox.c.id == message_id).values(**values))


def _pending(row: Any, attempts: int) -> PendingMessage:
    message = OutboxMessage(row["dedup_key"], MessageKind(row["kind"]), row["text"], signal_id=row["signal_id"],
                            chat_id=row["chat_id"])
    return PendingMessage(row["id"], message, attempts, utc(row["created_at"]))
