"""In-memory fakes of the outbox ports; the fake outbox passes the same contract tests as the SQL
adapter (tests/integration/sql/test_outbox_contract.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import attrs

from application.runtime.outbox import Backlog, MessageSender, Outbox, OutboxMessage, PendingMessage

INTERRUPTED = "interrupted while sending"


@attrs.define
class Row:
    id: int
    message: OutboxMessage
    created_at: datetime
    next_attempt_at: datetime
    attempts: int = 0
    claimed_at: datetime | None = None
    delivered_at: datetime | None = None
    given_up_at: datetime | None = None
    last_error: str | None = None

    @property
    def open(self) -> bool:
        return self.delivered_at is None and self.given_up_at is None


class InMemoryOutbox(Outbox):
    """``rows`` by id, public for tests. ``fail_with`` makes every call raise, as a store that is down."""

    def __init__(self, clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 fail_with: Exception | None = None) -> None:
        self.rows: dict[int, Row] = {}
        self.clock = clock
        self.fail_with = fail_with

    def _check_up(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with

    def add(self, message: OutboxMessage) -> bool:
        """The write a risk book makes inside its own unit of work."""
        taken = {(r.message.dedup_key, r.message.signal_id) for r in self.rows.values()}
        if any(message.dedup_key == key or (message.signal_id and message.signal_id == sid) for key, sid in taken):
            return False
        at = self.clock()
        row_id = len(self.rows) + 1
        self.rows[row_id] = Row(row_id, message, at, at)
        return True

    def enqueue(self, message: OutboxMessage) -> bool:
        self._check_up()
        return self.add(message)

    def claim_next(self, now: datetime) -> PendingMessage | None:
        self._check_up()
        for row in sorted(self.rows.values(), key=lambda r: r.id):
            if row.open and row.claimed_at is None and row.next_attempt_at <= now:
                row.claimed_at, row.attempts = now, row.attempts + 1
                return PendingMessage(row.id, row.message, row.attempts, row.created_at)
        return None

    def mark_delivered(self, message_id: int, at: datetime) -> None:
        self._check_up()
        row = self.rows[message_id]
        row.delivered_at, row.claimed_at, row.last_error = at, None, None

    def reschedule(self, message_id: int, next_attempt_at: datetime, error: str) -> None:
        self._check_up()
        row = self.rows[message_id]
        row.next_attempt_at, row.claimed_at, row.last_error = next_attempt_at, None, error

    def give_up(self, message_id: int, at: datetime, error: str) -> None:
        self._check_up()
        row = self.rows[message_id]
        row.given_up_at, row.claimed_at, row.last_error = at, None, error

    def expire_claims(self, claimed_before: datetime, at: datetime) -> Sequence[PendingMessage]:
        self._check_up()
        stale = [r for r in sorted(self.rows.values(), key=lambda r: r.id)
                 if r.open and r.claimed_at is not None and r.claimed_at < claimed_before]
        for row in stale:
            row.given_up_at, row.last_error = at, INTERRUPTED
        return [PendingMessage(r.id, r.message, r.attempts, r.created_at) for r in stale]

    def backlog(self) -> Backlog:
        self._check_up()
        pending = [r for r in self.rows.values() if r.open]
        return Backlog(len(pending), sum(r.given_up_at is not None for r in self.rows.values()),
                       min((r.created_at for r in pending), default=None),
                       min((r.next_attempt_at for r in pending if r.claimed_at is None), default=None))


class RecordingSender(MessageSender):
    """Delivers into ``sent`` as (chat_id, text); raises the scripted ``failures`` first, in order."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.sent: list[tuple[str | None, str]] = []
        self.attempts = 0

    def deliver(self, text: str, chat_id: str | None = None) -> None:
        self.attempts += 1
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((chat_id, text))
