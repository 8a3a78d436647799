"""The bot token shows nowhere while the real bot runs: not in a log record at DEBUG (httpx's URL
lines, httpcore, python-telegram-bot's own error paths), not in an exception, not in a message,
not in a repr; also when requests fail and a handler breaks."""

from __future__ import annotations

import logging
import traceback
from datetime import datetime

import pytest

from adapters.sql import create_engine, upgrade
from adapters.telegram.bot import TelegramBot
from application.bot.ports import BotError
from application.bot.service import Incoming, Outgoing
from tests.integration.telegram.bot_api_server import BAD_GATEWAY, FakeBotApi, error
from tests.integration.telegram.bot_harness import (
    STRANGER,
    TOKEN,
    Events,
    Recording,
    running_bot,
    service,
    sql_stores,
    wait_until,
)

SECRET = TOKEN.partition(":")[2]
WRONG = "7000001:AAH_wRoNg-token_value_9876543210fedcba"


class Breaking:
    """The use case, except that /boom raises an error quoting the token, as a careless library might."""

    def __init__(self, inner: object, base_url: str) -> None:
        self.inner, self.base_url = inner, base_url

    def handle(self, incoming: Incoming, now: datetime) -> Outgoing:
        if incoming.text == "/boom":
            raise RuntimeError(f"handler broke calling {self.base_url}{TOKEN}/sendMessage")
        return self.inner.handle(incoming, now)  # type: ignore[attr-defined]


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    parts = [caplog.text]
    for record in caplog.records:
        parts.append(formatter.format(record))
        if record.exc_info and record.exc_info[1] is not None:
            parts.append("".join(traceback.format_exception(record.exc_info[1])))
        parts.append(repr(record.args))
    return "\n".join(parts)


def assert_hidden(*texts: str, token: str = TOKEN) -> None:
    secret = token.partition(":")[2]
    for text in texts:
        assert token not in text and secret not in text


def test_the_token_is_in_no_log_exception_or_message(api: FakeBotApi, caplog: pytest.LogCaptureFixture,
                                                     tmp_path) -> None:
    caplog.set_level(logging.DEBUG)
    engine = create_engine(f"sqlite:///{tmp_path}/store.db")
    upgrade(engine)
    events = Events()
    handler = Breaking(service(sql_stores(engine), events), api.base_url)
    api.script("getUpdates", BAD_GATEWAY)  # polling fails once, then recovers
    with running_bot(api, handler, events=events) as chat:
        chat.say("/check")
        chat.say("/kill_switch on", user=STRANGER, chat=STRANGER)
        api.script("sendMessage", error(500, "Internal Server Error"))  # the reply is lost: PTB's error path
        api.updates.push_message(4242, -1001234567890, "/help")
        wait_until(lambda: len(events.named("bot_update_failed")) == 1, what="the failed send to be handled")
        api.updates.push_message(4242, -1001234567890, "/boom")
        wait_until(lambda: len(events.named("bot_update_failed")) == 2, what="the broken handler to be reported")
        chat.say("/check")  # the bot goes on
    failures = [e["error"] for e in events.named("bot_update_failed")]
    assert failures[0].startswith("NetworkError") and failures[1].startswith("RuntimeError: handler broke calling")
    assert "***" in failures[1]
    logged = everything_logged(caplog)
    assert "polling failed, retrying" in logged and "HTTP Request: POST" in logged  # the paths did run
    assert_hidden(logged, repr(events), *api.texts(), *(a.get("text", "") for a in api.answers))


def test_a_refused_token_stops_the_start_with_a_masked_error_that_chains_nothing(
        api: FakeBotApi, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    bot = TelegramBot(WRONG, Recording(None), base_url=api.base_url, poll_timeout_s=1.0, timeout_s=5.0)
    with pytest.raises(BotError) as raised:
        bot.start()
    exc = raised.value
    assert "cannot start: InvalidToken" in str(exc) and "***" in str(exc) and exc.refused
    assert exc.__cause__ is None and exc.__context__ is None
    assert_hidden(str(exc), repr(exc), "".join(traceback.format_exception(exc)), everything_logged(caplog),
                  repr(bot), token=WRONG)
    assert not bot.running


def test_reprs_hide_the_token(api: FakeBotApi) -> None:
    bot = TelegramBot(TOKEN, Recording(None), base_url=api.base_url)
    assert_hidden(repr(bot), str(bot))
    with pytest.raises(ValueError) as raised:
        TelegramBot(TOKEN, Recording(None), base_url=f"ftp://host/bot{TOKEN}")
    assert_hidden(str(raised.value))
