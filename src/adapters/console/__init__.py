"""The console notifier: prints each message as the trader would read it in Telegram."""

from __future__ import annotations

import sys
from typing import TextIO

from application.runtime.ports import Notifier


class ConsoleNotifier(Notifier):
    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def send(self, text: str) -> None:
        stream = self._stream or sys.stdout
        stream.write(text + "\n\n")
        stream.flush()
