"""The outbox: every message to the trader is first a row in the store, written in the same
transaction as what it reports (a signal with its risk-book row), and a drainer delivers it later
(application.runtime.outbox_drain). A signal recorded is therefore never lost to a Telegram outage,
and a restart finds what is still to send.

The outbox lives in wall-clock time (the adapter stamps ``created_at``; retries wait real seconds),
not in the market time a replay runs on.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import Protocol

import attrs

from domain.market.candles import require_utc

MAX_DEDUP_KEY = 200


class MessageKind(StrEnum):
    SIGNAL = "signal"
    ALERT = "alert"


def _check_key(_: object, __: object, value: str) -> None:
    if not value or len(value) > MAX_DEDUP_KEY:
        raise ValueError(f"dedup_key must be 1 to {MAX_DEDUP_KEY} characters, got {len(value)}")


@attrs.frozen
class OutboxMessage:
    """One message to one chat. ``dedup_key`` names it: the outbox keeps the first message with a
    key and ignores the others, so a message raised again (a retried write, an alert after a
    restart) is not sent twice. ``chat_id`` None: the configured chat."""

    dedup_key: str = attrs.field(validator=_check_key)
    kind: MessageKind
    text: str
    signal_id: str | None = None
    chat_id: str | None = None

    def __attrs_post_init__(self) -> None:
        if not self.text.strip():
            raise ValueError(f"outbox message {self.dedup_key!r} has no text")
        if (self.kind is MessageKind.SIGNAL) != (self.signal_id is not None):
            raise ValueError(f"outbox message {self.dedup_key!r}: a signal message, and only one, has a signal_id")

    @classmethod
    def for_signal(cls, signal_id: str, text: str) -> OutboxMessage:
        return cls(f"signal:{signal_id}", MessageKind.SIGNAL, text, signal_id=signal_id)


def _utc(value: datetime) -> datetime:
    return require_utc(value, "created_at")


@attrs.frozen
class PendingMessage:
    """A message claimed for one delivery attempt; ``attempts`` counts this one."""

    id: int
    message: OutboxMessage
    attempts: int
    created_at: datetime = attrs.field(converter=_utc)


@attrs.frozen
class Backlog:
    pending: int = 0  # not delivered yet, still tried
    given_up: int = 0  # refused for good, too old, or interrupted mid-send
    oldest_pending: datetime | None = None
    next_attempt_at: datetime | None = None  # the earliest a pending message is due


class Outbox(Protocol):
    def enqueue(self, message: OutboxMessage) -> bool:
        """Add ``message`` on its own (an alert); False when its dedup_key is already there."""
        ...

    def claim_next(self, now: datetime) -> PendingMessage | None:
        """The oldest message due at ``now``, claimed for one attempt (no other drainer gets it
        until it is released), or None."""
        ...

    def mark_delivered(self, message_id: int, at: datetime) -> None: ...

    def reschedule(self, message_id: int, next_attempt_at: datetime, error: str) -> None:
        """Release the claim after a failure worth retrying."""
        ...

    def give_up(self, message_id: int, at: datetime, error: str) -> None: ...

    def expire_claims(self, claimed_before: datetime, at: datetime) -> Sequence[PendingMessage]:
        """Give up the messages still claimed since before ``claimed_before``: their drainer died
        while sending, so each may or may not have arrived. Resending could show it twice."""
        ...

    def backlog(self) -> Backlog: ...


class MessageSender(Protocol):
    def deliver(self, text: str, chat_id: str | None = None) -> None:
        """One attempt, no waiting: return once delivered, or raise
        application.runtime.errors.DeliveryError saying whether and when to try again."""
        ...


@attrs.frozen
class Delivery:
    """Where the scan's messages go when they go through the outbox: signals with their risk-book
    row, the delivered alerts to each of ``alert_chats`` (None: the configured chat)."""

    outbox: Outbox
    alert_chats: tuple[str | None, ...] = (None,)
