"""The incoming side of the fake Bot API (bot_api_server): updates a test pushes (messages from a
user in a chat, button presses) and ``getUpdates`` with Telegram's offset and long-poll semantics.

An update is forgotten once a later ``getUpdates`` asks from an ``offset`` above its id; a call
with nothing to return waits up to its ``timeout`` (capped at ``max_wait_s`` so tests stay quick)
for an update to arrive."""

from __future__ import annotations

import itertools
import json
import threading
import time
from typing import Any


def user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "is_bot": False, "first_name": f"user{user_id}"}


def chat(chat_id: int) -> dict[str, Any]:
    return {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"}


class UpdateQueue:
    def __init__(self, max_wait_s: float = 0.5) -> None:
        self._max_wait_s = max_wait_s
        self._cond = threading.Condition()
        self._ids = itertools.count(1)
        self._message_ids = itertools.count(100_000)  # apart from the bot's own messages' ids
        self._query_ids = itertools.count(1)
        self._pending: list[dict[str, Any]] = []
        self._offset = 0  # every update below it was confirmed by the bot
        self.polls = 0

    def push_message(self, user_id: int, chat_id: int, text: str, sent: float | None = None) -> int:
        message: dict[str, Any] = {"message_id": next(self._message_ids), "date": int(sent or time.time()),
                                   "chat": chat(chat_id), "from": user(user_id), "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return self._push({"message": message})

    def push_callback(self, user_id: int, message: dict[str, Any], data: str) -> int:
        """A press on a button of ``message`` (a message the bot sent, as the server delivered it)."""
        query = {"id": f"cbq-{next(self._query_ids)}", "from": user(user_id),
                 "chat_instance": str(message["chat"]["id"]), "message": message, "data": data}
        return self._push({"callback_query": query})

    def _push(self, body: dict[str, Any]) -> int:
        with self._cond:
            update_id = next(self._ids)
            self._pending.append({"update_id": update_id, **body})
            self._cond.notify_all()
            return update_id

    def take(self, params: dict[str, str]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), self._max_wait_s)
        allowed = json.loads(params["allowed_updates"]) if params.get("allowed_updates") else None
        deadline = time.monotonic() + wait
        with self._cond:
            self.polls += 1
            if offset:
                self._offset = max(self._offset, offset)
                self._pending = [u for u in self._pending if u["update_id"] >= offset]
                self._cond.notify_all()
            while not self._pending and time.monotonic() < deadline:
                self._cond.wait(deadline - time.monotonic())
            batch = self._pending[:limit]
        return [u for u in batch if allowed is None or any(kind in u for kind in allowed)]

    def wait_confirmed(self, update_id: int, timeout: float = 10.0) -> bool:
        """Until the bot has fetched ``update_id`` and asked past it."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._offset <= update_id:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
            return True
