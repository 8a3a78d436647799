"""The trader's Telegram bot: python-telegram-bot's ``Application`` polling the Bot API, each
update handed to the bot use case (application.bot.service) and its answer carried out.

It runs in a thread of its own with its own event loop, so the runtime's scan loop never waits on
Telegram; the use case (which reads the store) runs off that loop too (``asyncio.to_thread``),
one update at a time. Strangers are refused by the use case before anything is read.

The token is masked everywhere it could show: the Bot's repr (``MaskedExtBot``), every log record
of httpx, httpcore and telegram (``masking.protect_logs``), PTB's error paths (an error handler
and a polling error callback of our own log one masked line, never a traceback), and the
``BotError`` raised when the bot cannot start, which chains nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Protocol

from telegram import BotCommand, Update
from telegram.error import InvalidToken, TelegramError
from telegram.ext import Application, ApplicationBuilder, ContextTypes, ExtBot, TypeHandler
from telegram.request import HTTPXRequest

from adapters.telegram.bot_updates import carry_out, incoming
from adapters.telegram.masking import LOG_FILTER, MASK, BotToken, protect_logs
from application.bot.ports import BotError, BotEvents
from application.bot.service import Incoming, Outgoing

DEFAULT_BASE_URL: Final = "https://api.telegram.org/bot"
_MAX_DETAIL: Final = 300
_UPDATES: Final = ("message", "callback_query")  # nothing else is asked of Telegram

_log = logging.getLogger(__name__)


class BotHandler(Protocol):
    def handle(self, incoming: Incoming, now: datetime) -> Outgoing: ...


class MaskedExtBot(ExtBot[None]):
    """ExtBot's own repr shows the token; this one does not."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"ExtBot[token={MASK}]"


def _protect_asyncio() -> None:
    """asyncio logs a task's unhandled exception (which may quote a URL) on its own logger."""
    logger = logging.getLogger("asyncio")
    if LOG_FILTER not in logger.filters:
        logger.addFilter(LOG_FILTER)


def _wall() -> datetime:
    return datetime.now(UTC)


def _no_events(event: str, level: str, **fields: Any) -> None:
    return None


class TelegramBot:
    """``start()`` returns once polling runs (or raises BotError); ``stop()`` ends it."""

    def __init__(self, bot_token: str, handler: BotHandler, *, base_url: str = DEFAULT_BASE_URL,
                 commands: tuple[tuple[str, str], ...] = (), clock: Callable[[], datetime] = _wall,
                 events: BotEvents = _no_events, poll_timeout_s: float = 10.0, timeout_s: float = 10.0) -> None:
        if not bot_token or any(c.isspace() for c in bot_token):
            raise ValueError("bot_token must be a non-empty string without whitespace")
        self._token = BotToken(bot_token)
        protect_logs(self._token)
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must be an http(s) URL, got {self._token.mask(base_url)!r}")
        self._base_url = base_url
        self._handler = handler
        self._commands = commands
        self._clock = clock
        self._events = events
        self._poll_timeout_s = poll_timeout_s
        self._timeout_s = timeout_s
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        self._failure: str | None = None
        self._refused = False
        self._app: Application[Any, Any, Any, Any, Any, Any] | None = None

    def __repr__(self) -> str:
        return f"TelegramBot(base_url={self._token.mask(self._base_url)!r}, token={MASK!r})"

    def start(self, wait_s: float = 60.0) -> TelegramBot:
        if self._thread is not None:
            raise RuntimeError("the bot is already started")
        self._thread = threading.Thread(target=self._serve, name="telegram-bot", daemon=True)
        self._thread.start()
        if not self._ready.wait(wait_s):
            self.stop()
            raise BotError(f"the Telegram bot did not start within {wait_s:.0f} s")
        if self._failure is not None:
            self._thread.join(timeout=10)
            raise BotError(f"the Telegram bot cannot start: {self._failure}", refused=self._refused)
        return self

    def stop(self, wait_s: float = 30.0) -> None:
        """Stop polling and shut down; idempotent."""
        loop, stopping, thread = self._loop, self._stopping, self._thread
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):  # the loop closed in between
                loop.call_soon_threadsafe(stopping.set)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=wait_s)

    @property
    def running(self) -> bool:
        """Polling: False once it stopped, also when Telegram ended it (a token revoked meanwhile)."""
        app = self._app
        return (self._thread is not None and self._thread.is_alive() and self._failure is None and app is not None
                and app.updater is not None and app.updater.running)

    # -- the bot's thread -----------------------------------------------------------------------

    def _serve(self) -> None:
        try:
            with asyncio.Runner() as runner:
                runner.run(self._main())
        except Exception as exc:  # never let the thread die with a traceback that may quote a URL
            self._failure = self._failure or self._describe(exc)
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        app = self._app = self._build()
        protect_logs()  # the HTTP clients exist now, and with them httpcore's loggers
        _protect_asyncio()
        started = await self._start(app)
        self._ready.set()
        if started:
            await self._stopping.wait()
        await self._shutdown(app)

    def _build(self) -> Application[Any, Any, Any, Any, Any, Any]:
        bot = MaskedExtBot(self._token.reveal(), base_url=self._base_url, request=self._request(8),
                           get_updates_request=self._request(1))
        app = ApplicationBuilder().bot(bot).build()
        app.add_handler(TypeHandler(Update, self._on_update))
        app.add_error_handler(self._on_error)
        return app

    def _request(self, pool: int) -> HTTPXRequest:
        t = self._timeout_s
        return HTTPXRequest(connection_pool_size=pool, connect_timeout=t, read_timeout=t, write_timeout=t,
                            pool_timeout=t)

    async def _start(self, app: Application[Any, Any, Any, Any, Any, Any]) -> bool:
        problem: str | None = None
        try:
            await app.initialize()  # getMe: the token is checked here
            await self._set_commands(app)
            assert app.updater is not None  # nosec B101: ApplicationBuilder builds one by default
            await app.updater.start_polling(poll_interval=0.0, timeout=timedelta(seconds=self._poll_timeout_s),
                                            allowed_updates=list(_UPDATES), error_callback=self._on_poll_error)
            await app.start()
        except InvalidToken as exc:
            self._refused = True
            problem = self._describe(exc)
        except Exception as exc:
            problem = self._describe(exc)
        self._failure = problem
        return problem is None

    async def _set_commands(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        if not self._commands:
            return
        try:
            await app.bot.set_my_commands([BotCommand(name, about[:256]) for name, about in self._commands])
        except TelegramError as exc:  # the menu is a convenience: the commands work without it
            _log.warning("telegram bot: the command menu was not set: %s", self._describe(exc))

    async def _shutdown(self, app: Application[Any, Any, Any, Any, Any, Any]) -> None:
        steps = []
        if app.updater is not None and app.updater.running:
            steps.append(app.updater.stop)
        if app.running:
            steps.append(app.stop)
        for step in (*steps, app.shutdown):
            try:
                await step()
            except Exception as exc:  # shut down what can be shut down
                _log.warning("telegram bot did not shut down cleanly: %s", self._describe(exc))

    # -- handlers -------------------------------------------------------------------------------

    async def _on_update(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        arrived = incoming(update, self._clock(), context.bot.username)
        if arrived is None:
            return
        outgoing = await asyncio.to_thread(self._handler.handle, arrived, self._clock())
        await carry_out(update, context, outgoing)

    async def _on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        detail = self._describe(context.error) if context.error is not None else "unknown error"
        _log.error("telegram bot: an update could not be handled: %s", detail)
        self._events("bot_update_failed", "error", error=detail)

    def _on_poll_error(self, exc: TelegramError) -> None:
        _log.warning("telegram bot: polling failed, retrying: %s", self._describe(exc))

    def _describe(self, exc: BaseException) -> str:
        text = LOG_FILTER.mask(self._token.mask(f"{type(exc).__name__}: {exc}"))
        return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 3] + "..."
