"""Exceptions raised by adapters through the ports, so that use cases can catch them without
knowing which technology is plugged in."""

from __future__ import annotations


class NotifierError(Exception):
    """A message could not be delivered to the trader.

    Raised for permanent refusals (bad token, unknown chat, blocked bot) at once, and for
    transient failures (network errors, 5xx, flood control) once the adapter's bounded retries
    are spent. The message never carries credentials.
    """
