"""Exceptions raised by adapters through the ports, so that use cases can catch them without
knowing which technology is plugged in."""

from __future__ import annotations


class NotifierError(Exception):
    """A message could not be delivered to the trader.

    Raised for permanent refusals (bad token, unknown chat, blocked bot) at once, and for
    transient failures (network errors, 5xx, flood control) once the adapter's bounded retries
    are spent. The message never carries credentials.
    """


class DeliveryError(NotifierError):
    """One delivery attempt failed (application.runtime.outbox.MessageSender).

    ``permanent``: no retry can fix it (bad token, chat not found, bot blocked). Otherwise the
    outbox tries again, no sooner than ``retry_after_s`` when the server said so (429 flood
    control), after its own backoff when not (5xx, network errors, timeouts).
    """

    def __init__(self, message: str, *, permanent: bool, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.retry_after_s = retry_after_s
