"""Pending confirmations: a change that asks "sure?" first (kill switch off, a threshold, a
retrain) waits here until its requester presses yes or no, or it expires.

Each one has an id made of the bot's start time and a counter, so a button left over from an
earlier run of the bot never matches a new request. Only the user who asked can answer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

YES, NO = "y", "n"


@attrs.frozen
class Pending:
    action_id: str
    user_id: int
    key: str  # a control key, or "retrain"
    value: str
    expires_at: datetime


class Confirmations:
    def __init__(self, started: datetime, ttl: timedelta = timedelta(seconds=60)) -> None:
        if ttl <= timedelta(0):
            raise ValueError(f"a confirmation needs a positive time to live, got {ttl}")
        self._prefix = f"{int(started.timestamp()):x}"
        self._ttl = ttl
        self._count = 0
        self._pending: dict[str, Pending] = {}

    @property
    def ttl(self) -> timedelta:
        return self._ttl

    def ask(self, user_id: int, key: str, value: str, now: datetime) -> Pending:
        self._pending = {k: p for k, p in self._pending.items() if p.expires_at > now}
        self._count += 1
        pending = Pending(f"{self._prefix}.{self._count}", user_id, key, value, now + self._ttl)
        self._pending[pending.action_id] = pending
        return pending

    def answer(self, data: str, user_id: int, now: datetime) -> tuple[Pending | None, bool, str]:
        """(the pending action, yes?, why not) for a button's data ``<y|n>:<id>``; the action is
        None with a reason when it cannot be answered. An answered action is gone."""
        choice, _, action_id = data.partition(":")
        pending = self._pending.get(action_id)
        if choice not in (YES, NO) or pending is None:
            return None, False, "This confirmation is no longer valid; send the command again."
        if pending.user_id != user_id:
            return None, False, "Only the user who asked can answer this."
        del self._pending[action_id]
        if now >= pending.expires_at:
            return None, False, "This confirmation expired; send the command again."
        return pending, choice == YES, ""


def button_data(pending: Pending, yes: bool) -> str:
    return f"{YES if yes else NO}:{pending.action_id}"
