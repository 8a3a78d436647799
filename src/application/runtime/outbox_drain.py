"""Use case: deliver what the outbox holds, one attempt per message per step, never waiting.

A step first gives up the messages a dead drainer left claimed (they may have gone out: at most
once), then claims the due messages oldest first and sends each once. Delivered: marked so, never
sent again. Flood control (429): retried no sooner than the server's ``retry_after``. 5xx, network
errors and timeouts: retried after an exponential backoff. Either holds the whole outbox until
that time (the next message would meet the same outage or flood limit, and would overtake the
first). Refused for good (bad token, unknown chat, bot blocked), or
still failing ``give_up_after`` after it was written: given up with its error. A store that cannot
be reached ends the step with the error; the next step starts over from what the store holds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import attrs

from application.runtime.errors import DeliveryError
from application.runtime.outbox import MessageSender, Outbox, PendingMessage

MAX_ERROR = 300  # characters of an error kept in the row and the log


@attrs.frozen
class DrainPolicy:
    backoff: timedelta = timedelta(seconds=2)
    max_backoff: timedelta = timedelta(minutes=10)
    give_up_after: timedelta = timedelta(hours=24)
    # longer than any one send (the Telegram adapter's timeouts are seconds): a claim older than
    # this belongs to a drainer that died mid-send
    claim_lease: timedelta = timedelta(minutes=5)
    per_step: int = 50

    def delay(self, attempts: int, retry_after_s: float | None) -> timedelta:
        if retry_after_s is not None:
            return timedelta(seconds=max(retry_after_s, 0.0))
        backoff: timedelta = self.backoff * 2 ** max(attempts - 1, 0)
        return min(backoff, self.max_backoff)


@attrs.frozen
class Retry:
    pending: PendingMessage
    error: str
    next_attempt_at: datetime


@attrs.frozen
class Failure:
    pending: PendingMessage
    error: str


@attrs.frozen
class DrainReport:
    delivered: tuple[PendingMessage, ...] = ()
    retrying: tuple[Retry, ...] = ()
    given_up: tuple[Failure, ...] = ()
    interrupted: tuple[PendingMessage, ...] = ()  # claimed by a drainer that died mid-send
    store_error: str | None = None


def _describe(exc: BaseException) -> str:
    text = str(exc) if isinstance(exc, DeliveryError) else f"{type(exc).__name__}: {exc}"
    return text if len(text) <= MAX_ERROR else text[: MAX_ERROR - 3] + "..."


class DrainOutbox:
    """``clock`` is the wall clock: retry waits are real seconds whatever market time a replay is at."""

    def __init__(self, outbox: Outbox, sender: MessageSender, clock: Callable[[], datetime],
                 policy: DrainPolicy | None = None) -> None:
        self._outbox = outbox
        self._sender = sender
        self._clock = clock
        self._policy = policy or DrainPolicy()
        self._hold_until: datetime | None = None

    def step(self) -> DrainReport:
        delivered: list[PendingMessage] = []
        retrying: list[Retry] = []
        given_up: list[Failure] = []
        interrupted: tuple[PendingMessage, ...] = ()
        try:
            now = self._clock()
            if self._hold_until is not None and now < self._hold_until:
                return DrainReport()
            interrupted = tuple(self._outbox.expire_claims(now - self._policy.claim_lease, now))
            for _ in range(self._policy.per_step):
                pending = self._outbox.claim_next(self._clock())
                if pending is None:
                    break
                failure = self._send(pending)
                if failure is None:
                    self._outbox.mark_delivered(pending.id, self._clock())
                    delivered.append(pending)
                elif isinstance(failure, Failure):
                    self._outbox.give_up(pending.id, self._clock(), failure.error)
                    given_up.append(failure)
                else:
                    self._outbox.reschedule(pending.id, failure.next_attempt_at, failure.error)
                    retrying.append(failure)
                    self._hold_until = failure.next_attempt_at
                    break
        except Exception as exc:  # the store: a claimed row stays claimed, and expires as interrupted
            return DrainReport(tuple(delivered), tuple(retrying), tuple(given_up), interrupted, _describe(exc))
        return DrainReport(tuple(delivered), tuple(retrying), tuple(given_up), interrupted)

    def _send(self, pending: PendingMessage) -> Failure | Retry | None:
        message = pending.message
        try:
            self._sender.deliver(message.text, message.chat_id)
        except DeliveryError as exc:
            if exc.permanent:
                return Failure(pending, _describe(exc))
            return self._retry(pending, _describe(exc), exc.retry_after_s)
        except Exception as exc:  # a sender that does not classify its failures: assume it may pass later
            return self._retry(pending, _describe(exc), None)
        return None

    def _retry(self, pending: PendingMessage, error: str, retry_after_s: float | None) -> Failure | Retry:
        now = self._clock()
        if now - pending.created_at >= self._policy.give_up_after:
            return Failure(pending, f"still failing {self._policy.give_up_after} after it was written: {error}")
        return Retry(pending, error, now + self._policy.delay(pending.attempts, retry_after_s))
