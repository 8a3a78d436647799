"""The real python-telegram-bot client (adapters.telegram.bot) against the fake Bot API, over the
bot use case on a real SQL store. ``Chat.say`` pushes an update and returns once the bot has
handled it and sent everything it meant to send."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from adapters.sql import SqlControlRepository, SqlPatternRepository, SqlPerformanceQueries, SqlRiskBook
from adapters.sql.retrain_requests import SqlRetrainRequests
from adapters.telegram.bot import TelegramBot
from application.bot.ratelimit import RateLimit
from application.bot.service import COMMANDS, BotService, Incoming, Outgoing
from application.bot.setup import BotSetup, BotStores
from application.runtime.health import HealthMonitor, Served
from application.runtime.scan_outcome import Controls
from domain.risk import RiskSettings
from domain.signals.signal import Mode
from tests.integration.telegram.bot_api_server import (
    TOKEN,  # the one the shared `api` fixture serves
    FakeBotApi,
)

TRADER, STRANGER = 4242, 6666
CHAT = -1001234567890
ACCOUNT = "replay"


def wait_until(condition: Callable[[], bool], timeout: float = 15.0, what: str = "the condition") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class Recording:
    """The use case, with every update it handled and what it answered."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.handled: list[tuple[Incoming, Outgoing]] = []
        self._lock = threading.Lock()

    def handle(self, incoming: Incoming, now: datetime) -> Outgoing:
        out = self.inner.handle(incoming, now)
        with self._lock:
            self.handled.append((incoming, out))
        return out

    def count(self) -> int:
        with self._lock:
            return len(self.handled)


class Events(list[tuple[str, str, dict[str, Any]]]):
    def __call__(self, event: str, level: str, **fields: Any) -> None:
        self.append((event, level, fields))

    def named(self, event: str) -> list[dict[str, Any]]:
        return [fields for name, _, fields in list(self) if name == event]


def sql_stores(engine: sa.Engine, health: Callable[[], Any] | None = None) -> BotStores:
    if health is None:
        monitor = HealthMonitor(Served("dryrun", "paper", "fixed"), timedelta(minutes=2), lambda: None,
                                lambda: datetime.now(UTC))
        health = monitor.report
    return BotStores(SqlControlRepository(engine), SqlRiskBook(engine, ACCOUNT), SqlPerformanceQueries(engine),
                     SqlPatternRepository(engine), SqlRetrainRequests(engine), health)


def service(stores: BotStores, events: Events, rate: RateLimit | None = None) -> BotService:
    setup = BotSetup(Mode.DRYRUN, ACCOUNT, frozenset({TRADER}), str(CHAT), Controls(), False, RiskSettings(),
                     rate or RateLimit(per_minute=600, burst=50))
    return BotService(setup, stores, events, datetime.now(UTC))


class Chat:
    def __init__(self, api: FakeBotApi, recording: Recording) -> None:
        self.api, self.recording = api, recording

    def say(self, text: str, user: int = TRADER, chat: int = CHAT) -> Outgoing:
        return self._await(lambda: self.api.updates.push_message(user, chat, text))

    def press(self, message: dict[str, Any], label: str, user: int = TRADER) -> Outgoing:
        data = next(b["callback_data"] for row in message["reply_markup"]["inline_keyboard"] for b in row
                    if b["text"] == label)
        return self._await(lambda: self.api.updates.push_callback(user, message, data))

    def last(self) -> dict[str, Any]:
        return self.api.delivered[-1]

    def _await(self, push: Callable[[], int]) -> Outgoing:
        before = (self.recording.count(), len(self.api.delivered), len(self.api.answers), len(self.api.edits))
        push()
        wait_until(lambda: self.recording.count() > before[0], what="the bot to handle the update")
        out = self.recording.handled[before[0]][1]
        wait_until(lambda: (len(self.api.delivered) > before[1] or out.reply is None)
                   and (len(self.api.answers) > before[2] or out.answer is None)
                   and (len(self.api.edits) > before[3] or out.edit is None), what="the bot's answer")
        return out


@contextmanager
def running_bot(api: FakeBotApi, handler: Any, token: str = TOKEN, events: Events | None = None) -> Iterator[Chat]:
    recording = Recording(handler)
    bot = TelegramBot(token, recording, base_url=api.base_url, commands=COMMANDS, events=events if events is not None else Events(),
                      poll_timeout_s=1.0, timeout_s=5.0).start()
    try:
        yield Chat(api, recording)
    finally:
        bot.stop()
