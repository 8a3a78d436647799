"""The runtime's other messages to the trader (the daily model monitor's triggers, a broker
position the book does not know) through the outbox, as the alerts go: retried until Telegram
takes them, sent once even across a restart. Each message is keyed by its text and the day of
market time it was raised on, so the same words on another day are a new message. When the
store cannot take it, the notifier gets it at once: an alert must not wait for the store."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime

from application.runtime.outbox import Delivery, MessageKind, OutboxMessage
from application.runtime.ports import Notifier


class OutboxNotifier(Notifier):
    def __init__(self, delivery: Delivery, fallback: Notifier, now: Callable[[], datetime],
                 prefix: str = "note") -> None:
        self._delivery = delivery
        self._fallback = fallback
        self._now = now
        self._prefix = prefix

    def send(self, text: str) -> None:
        digest = hashlib.sha256(text.encode()).hexdigest()[:24]
        day = f"{self._now():%Y-%m-%d}"
        try:
            for chat in dict.fromkeys(self._delivery.alert_chats):
                self._delivery.outbox.enqueue(OutboxMessage(f"{self._prefix}:{day}:{digest}:{chat or 'configured'}",
                                                            MessageKind.ALERT, text, chat_id=chat))
        except Exception:
            self._fallback.send(text)
