"""What a failed Bot API call means for delivery: retry (when), give up, or stop because the
message may have arrived. Kept as masked text: no exception object outlives its ``except`` block,
so none can carry the token out."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from datetime import timedelta
from typing import Final, NamedTuple

import httpx
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Conflict,
    EndPointNotFound,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
)
from telegram.warnings import PTBDeprecationWarning


class Failure(NamedTuple):
    """``maybe_sent``: the request reached Telegram and no answer came back, so it may have arrived."""

    detail: str
    permanent: bool
    retry_after_s: float | None = None
    maybe_sent: bool = False


# Failures after the request was sent whole: Telegram may have delivered it. A connection refused,
# a connect, write or pool timeout, or an error status in reply, all say it did not.
_MAYBE_SENT: Final = (httpx.ReadTimeout, httpx.ReadError, httpx.RemoteProtocolError)


def retry_after_seconds(exc: RetryAfter) -> float:
    # python-telegram-bot 22.2+ warns that the int form of retry_after is deprecated; both forms work
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = exc.retry_after
    if isinstance(value, timedelta):
        return value.total_seconds()
    return float(value)


def classify(exc: Exception, describe: Callable[[BaseException], str]) -> Failure:
    """``describe``: the exception as one masked line."""
    if isinstance(exc, RetryAfter):
        return Failure(describe(exc), permanent=False, retry_after_s=retry_after_seconds(exc))
    if isinstance(exc, InvalidToken):
        return Failure(f"the bot token was rejected: {describe(exc)}", permanent=True)
    if isinstance(exc, ChatMigrated):
        return Failure(f"the chat moved to chat id {exc.new_chat_id}; configure that id instead", permanent=True)
    if isinstance(exc, BadRequest | Forbidden | Conflict | EndPointNotFound):  # BadRequest before NetworkError
        return Failure(describe(exc), permanent=True)
    if isinstance(exc, NetworkError):  # includes TimedOut, 5xx and connection failures
        return Failure(describe(exc), permanent=False, maybe_sent=isinstance(exc.__cause__, _MAYBE_SENT))
    return Failure(describe(exc), permanent=True)  # TelegramError (e.g. an unreadable body) and the rest
