"""Telegram notifier: delivers the trader's messages with python-telegram-bot's ``Bot.send_message``,
as plain text split to Telegram's length limit (``adapters.telegram.formatting``), with the bot token
masked wherever it could show (``adapters.telegram.masking``).

The runtime loop is synchronous while python-telegram-bot is asyncio-only, so each notifier owns a
private event loop, created with its ``Bot`` on the first ``send`` and closed (Bot shut down, loop
closed) by ``close()``. ``send`` blocks; it refuses to run on a thread that is already running an
event loop (call it through ``asyncio.to_thread`` there). Calls are serialised by a lock.

Failures: network errors, timeouts, 5xx and flood control (429 ``RetryAfter``) are retried up to
``retries`` times, waiting ``backoff_s * 2**n`` or the server's ``retry_after``, each wait capped at
``max_delay_s``; then :class:`~application.runtime.errors.NotifierError`. Refusals that no retry can fix
(401/404 bad token, 403 bot blocked, 400 chat not found, chat migrated) raise ``NotifierError`` at
once. Delivery is at least once: a request that timed out may have reached Telegram, so its retry
can show the message twice. Every error raised is masked and chains no cause or context.

A message longer than Telegram allows is sent as its parts, in order.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from types import TracebackType
from typing import Final

from telegram import Bot
from telegram.request import HTTPXRequest

from adapters.telegram.failures import Failure, classify
from adapters.telegram.formatting import split_message
from adapters.telegram.masking import LOG_FILTER, MASK, BotToken, MaskedBot, protect_logs
from application.runtime.errors import DeliveryError, NotifierError
from application.runtime.outbox import MessageSender
from application.runtime.ports import Notifier

DEFAULT_BASE_URL: Final = "https://api.telegram.org/bot"
_MAX_DETAIL: Final = 300  # characters of a failure's description kept in errors and logs

_log = logging.getLogger(__name__)


def _normalise_chat_id(chat_id: str | int) -> str | int:
    if isinstance(chat_id, bool) or not isinstance(chat_id, int | str):
        raise TypeError(f"chat_id must be an int or a str, got {type(chat_id).__name__}")
    if isinstance(chat_id, int):
        return chat_id
    text = chat_id.strip()
    if not text:
        raise ValueError("chat_id must not be empty")
    try:
        return int(text)
    except ValueError:
        return text  # a public channel's @username


def _refuse_inside_running_loop(action: str) -> None:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError(
        f"TelegramNotifier.{action}() is synchronous and cannot run on a thread that is running an "
        "event loop; call it through asyncio.to_thread()"
    )


class TelegramNotifier(Notifier, MessageSender):
    """Sends each message to one Telegram chat through the Bot API. See the module docstring."""

    def __init__(
        self,
        bot_token: str,
        chat_id: str | int,
        base_url: str = DEFAULT_BASE_URL,
        timeout_s: float = 10.0,
        retries: int = 3,
        *,
        backoff_s: float = 1.0,
        max_delay_s: float = 10.0,
    ) -> None:
        if not isinstance(bot_token, str) or not bot_token or any(c.isspace() for c in bot_token):
            raise ValueError("bot_token must be a non-empty string without whitespace")
        self._token = BotToken(bot_token)
        protect_logs(self._token)
        self._chat_id = _normalise_chat_id(chat_id)
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {self._token.mask(base_url)!r}")
        if timeout_s <= 0:
            raise ValueError(f"timeout_s must be positive, got {timeout_s}")
        if retries < 0:
            raise ValueError(f"retries must be zero or more, got {retries}")
        if backoff_s < 0 or max_delay_s < 0:
            raise ValueError(f"backoff_s and max_delay_s must not be negative, got {backoff_s}, {max_delay_s}")
        self._base_url = base_url
        self._timeout_s = float(timeout_s)
        self._retries = retries
        self._backoff_s = float(backoff_s)
        self._max_delay_s = float(max_delay_s)
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._bot: Bot | None = None

    def __repr__(self) -> str:
        return (
            f"TelegramNotifier(chat_id={self._chat_id!r}, base_url={self._token.mask(self._base_url)!r}, "
            f"token={MASK!r})"
        )

    # -- the port -------------------------------------------------------------------------------

    def send(self, text: str) -> None:
        """Deliver ``text`` (split when longer than Telegram allows); raise NotifierError on failure."""
        parts = split_message(text)
        if not parts:
            raise ValueError("cannot send an empty message")
        _refuse_inside_running_loop("send")
        with self._lock:
            loop = self._open()
            loop.run_until_complete(self._deliver_all(parts))

    def deliver(self, text: str, chat_id: str | None = None) -> None:
        """The outbox's sender: one attempt, no retry and no wait, to ``chat_id`` (None: the
        configured chat); a failure raises DeliveryError saying whether and when to retry. At most
        once: a request that reached Telegram unanswered (a read timeout, a dropped connection) is
        refused for good, not retried. A message of several parts that fails part-way is retried
        whole: its first parts may then show twice (the runtime's messages are far shorter than one
        part)."""
        parts = split_message(text)
        if not parts:
            raise ValueError("cannot send an empty message")
        chat = self._chat_id if chat_id is None else _normalise_chat_id(chat_id)
        _refuse_inside_running_loop("deliver")
        with self._lock:
            failure = self._open().run_until_complete(self._attempt_parts(chat, parts))
        if failure is not None and failure.maybe_sent:  # resending could show it twice: at most once
            raise DeliveryError(f"{failure.detail}; it may have arrived, so it is not sent again", permanent=True)
        if failure is not None:
            raise DeliveryError(failure.detail, permanent=failure.permanent, retry_after_s=failure.retry_after_s)

    # -- lifecycle ------------------------------------------------------------------------------

    def close(self) -> None:
        """Shut the Bot down and close the private event loop. Idempotent; a later ``send`` opens
        a fresh loop and Bot."""
        _refuse_inside_running_loop("close")
        with self._lock:
            loop, bot = self._loop, self._bot
            self._loop = self._bot = None
            if loop is None or loop.is_closed():
                return
            problem: str | None = None
            try:
                if bot is not None:
                    loop.run_until_complete(bot.shutdown())
                pending = asyncio.all_tasks(loop)
                for task in pending:
                    task.cancel()
                if pending:
                    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
            except Exception as exc:
                problem = self._describe(exc)
            finally:
                loop.close()
            if problem is not None:
                _log.warning("telegram notifier did not shut down cleanly: %s", problem)

    def __enter__(self) -> TelegramNotifier:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # -- internals ------------------------------------------------------------------------------

    def _open(self) -> asyncio.AbstractEventLoop:
        if self._loop is None or self._loop.is_closed():
            self._bot = self._build_bot()
            protect_logs()  # the HTTP client now exists, and with it httpcore's loggers
            self._loop = asyncio.new_event_loop()
        return self._loop

    def _build_bot(self) -> Bot:
        problem: str | None = None
        try:
            return MaskedBot(
                self._token.reveal(),
                base_url=self._base_url,
                request=self._request(),
                get_updates_request=self._request(),
            )
        except Exception as exc:
            problem = self._describe(exc)
        raise NotifierError(f"cannot build the Telegram bot: {problem}")

    def _request(self) -> HTTPXRequest:
        timeout = self._timeout_s
        return HTTPXRequest(
            connection_pool_size=1,
            connect_timeout=timeout,
            read_timeout=timeout,
            write_timeout=timeout,
            pool_timeout=timeout,
        )

    def _describe(self, exc: BaseException) -> str:
        """The exception as one masked line, cut short (a proxy's 502 page can be long)."""
        text = LOG_FILTER.mask(self._token.mask(f"{type(exc).__name__}: {exc}"))
        return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 3] + "..."

    def _require_bot(self) -> Bot:
        if self._bot is None:
            raise RuntimeError("the notifier is closed")
        return self._bot

    def _backoff(self, attempt: int) -> float:
        return min(self._backoff_s * 2.0 ** (attempt - 1), self._max_delay_s)

    async def _deliver_all(self, parts: list[str]) -> None:
        for number, part in enumerate(parts, start=1):
            label = f" (part {number} of {len(parts)})" if len(parts) > 1 else ""
            await self._deliver(part, label)

    async def _deliver(self, text: str, label: str) -> None:
        """One message, with bounded retries. Errors are turned into masked NotifierErrors and
        raised outside every ``except`` block, so that they chain nothing that shows the token."""
        attempts = self._retries + 1
        failure: Failure | None = None
        for attempt in range(1, attempts + 1):
            failure = await self._attempt(self._chat_id, text)
            if failure is None:
                return
            if failure.permanent:
                raise NotifierError(f"Telegram message{label} not delivered: {failure.detail}")
            if attempt == attempts:
                break
            delay = self._backoff(attempt) if failure.retry_after_s is None else failure.retry_after_s
            delay = min(delay, self._max_delay_s)
            _log.warning(
                "telegram send failed%s (%s); retry %d of %d in %.2fs",
                label,
                failure.detail,
                attempt,
                self._retries,
                delay,
            )
            await asyncio.sleep(delay)
        detail = failure.detail if failure is not None else "no attempt"
        raise NotifierError(f"Telegram message{label} not delivered after {attempts} attempts: {detail}")

    async def _attempt_parts(self, chat_id: str | int, parts: list[str]) -> Failure | None:
        for number, part in enumerate(parts, start=1):
            failure = await self._attempt(chat_id, part)
            if failure is not None:
                label = f" (part {number} of {len(parts)})" if len(parts) > 1 else ""
                return failure._replace(detail=f"Telegram message{label} not delivered: {failure.detail}")
        return None

    async def _attempt(self, chat_id: str | int, text: str) -> Failure | None:
        """One sendMessage, its failure classified. The Bot is reached through ``self`` rather than
        a local: tracebacks that print locals would otherwise print its repr."""
        try:
            await self._require_bot().initialize()  # getMe once; verifies the token
            await self._require_bot().send_message(chat_id=chat_id, text=text)
        except Exception as exc:
            return classify(exc, self._describe)
        return None
