"""The console notifier: prints each message as the trader would read it in Telegram."""

from __future__ import annotations

import sys
from typing import TextIO

from application.runtime.outbox import MessageSender
from application.runtime.ports import Notifier


class ConsoleNotifier(Notifier, MessageSender):
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def send(self, text: str) -> None:
        stream = self._stream or sys.stdout
        stream.write(text + "\n\n")
        stream.flush()

    def deliver(self, text: str, chat_id: str | None = None) -> None:
        """The outbox's sender: there is one console, whatever chat a message was meant for."""
        self.send(text)
