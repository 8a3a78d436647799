"""Who the bot obeys: deny by default.

Only the user ids of the allow-list are obeyed, and only in the configured chat; an empty
allow-list obeys nobody. Anyone else gets one neutral refusal per hour at most (so a stranger's
flood costs no sends) and an audit event for every update. Allowed users are rate-limited per user.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from application.bot.ports import BotEvents
from application.bot.ratelimit import RateLimit, TokenBuckets

REFUSAL = "This is a private bot."
_AUDIT_TEXT = 64  # characters of a stranger's text kept in the audit line
_FORGET_AFTER = 10_000  # refusal times kept before old ones are dropped


@attrs.frozen
class Caller:
    user_id: int | None
    chat_id: int | str | None


@attrs.frozen
class Admission:
    obeyed: bool
    reply: str | None = None  # what to answer when not obeyed (None: nothing)


class Gate:
    def __init__(self, allowed_user_ids: frozenset[int], chat_id: str, limit: RateLimit, events: BotEvents,
                 refusal_every: timedelta = timedelta(hours=1)) -> None:
        self._allowed = allowed_user_ids
        self._chat = chat_id.strip()
        self._buckets = TokenBuckets(limit)
        self._events = events
        self._refusal_every = refusal_every
        self._refused_at: dict[int, datetime] = {}

    def admit(self, caller: Caller, what: str, now: datetime) -> Admission:
        why = self._stranger(caller)
        if why is not None or caller.user_id is None:
            return self._refuse(caller, why or "no user", what, now)
        if self._buckets.take(caller.user_id, now):
            return Admission(True)
        wait = self._buckets.wait_seconds(caller.user_id)
        answered = self._buckets.first_refusal(caller.user_id)
        self._events("bot_rate_limited", "warning", user_id=caller.user_id, chat_id=caller.chat_id,
                     update=what[:_AUDIT_TEXT], replied=answered)
        return Admission(False, f"Too many commands: wait {wait:.0f} s and send it again." if answered else None)

    def _stranger(self, caller: Caller) -> str | None:
        if not self._allowed:
            return "the allow-list is empty"
        if caller.user_id is None or caller.user_id not in self._allowed:
            return "not in the allow-list"
        if caller.chat_id is None or str(caller.chat_id) != self._chat:
            return "outside the configured chat"
        return None

    def _refuse(self, caller: Caller, why: str, what: str, now: datetime) -> Admission:
        reply = caller.user_id is not None and self._may_refuse(caller.user_id, now)
        self._events("bot_refused", "warning", user_id=caller.user_id, chat_id=caller.chat_id, reason=why,
                     update=what[:_AUDIT_TEXT], replied=reply)
        return Admission(False, REFUSAL if reply else None)

    def _may_refuse(self, user_id: int, now: datetime) -> bool:
        last = self._refused_at.get(user_id)
        if last is not None and now - last < self._refusal_every:
            return False
        if len(self._refused_at) >= _FORGET_AFTER:
            self._refused_at = {u: t for u, t in self._refused_at.items() if now - t < self._refusal_every}
        self._refused_at[user_id] = now
        return True
