"""TelegramNotifier against a local HTTP server that speaks the Bot API wire format.

Retry waits are capped at zero (``max_delay_s=0``) so that the suite stays fast; one test keeps a
small cap to show that the server's ``retry_after`` is honoured up to that cap.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import time
import traceback

import pytest

from adapters.telegram import TelegramNotifier, split_message
from application.runtime.errors import NotifierError
from application.runtime.ports import Notifier
from tests.integration.telegram.bot_api_server import (
    BAD_GATEWAY,
    CHAT_ID,
    CHAT_NOT_FOUND,
    TOKEN,
    FakeBotApi,
    Reply,
    error,
    too_many_requests,
)

WRONG_TOKEN = "7000001:AAH_wRoNg-token_value_9876543210fedcba"


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # everything httpx, httpcore and telegram log
    return caplog


def make_notifier(api: FakeBotApi, token: str = TOKEN, **options: float) -> TelegramNotifier:
    settings: dict[str, float] = {"timeout_s": 5.0, "retries": 3, "backoff_s": 0.0, "max_delay_s": 0.0}
    settings.update(options)
    return TelegramNotifier(
        token,
        CHAT_ID,
        base_url=api.base_url,
        timeout_s=settings["timeout_s"],
        retries=int(settings["retries"]),
        backoff_s=settings["backoff_s"],
        max_delay_s=settings["max_delay_s"],
    )


def assert_token_hidden(*texts: str, token: str = TOKEN) -> None:
    secret = token.partition(":")[2]
    for text in texts:
        assert token not in text
        assert secret not in text


def assert_clean_error(exc: NotifierError, logs: pytest.LogCaptureFixture, token: str = TOKEN) -> None:
    assert exc.__cause__ is None
    assert exc.__context__ is None
    rendered = "".join(traceback.format_exception(exc))
    assert_token_hidden(str(exc), repr(exc), rendered, logs.text, token=token)
    assert_token_hidden(*(record.getMessage() for record in logs.records), token=token)


def test_it_is_a_notifier() -> None:
    notifier: Notifier = TelegramNotifier(TOKEN, CHAT_ID)  # mypy checks the port's signature
    assert Notifier in type(notifier).__mro__


def test_message_is_delivered_with_exact_text_and_chat_id(api: FakeBotApi, logs: pytest.LogCaptureFixture) -> None:
    text = "BTCUSDT LONG 64,210.5 <b>HIGH</b> R:R < 1.5 & rising 🚀\nsecond line"
    with make_notifier(api) as notifier:
        notifier.send(text)
        notifier.send("again")

    sent = api.calls_of("sendMessage")
    assert [call.params["text"] for call in sent] == [text, "again"]
    assert {call.params["chat_id"] for call in sent} == {str(CHAT_ID)}
    assert "parse_mode" not in sent[0].params  # plain text: shown exactly as written
    assert api.delivered[0]["chat"]["id"] == CHAT_ID
    assert len(api.calls_of("getMe")) == 1  # the Bot is initialised once, not per message
    # httpx logs each request URL at INFO; the token in it is masked
    assert any("/bot***/sendMessage" in record.getMessage() for record in logs.records)
    assert_token_hidden(logs.text, *(record.getMessage() for record in logs.records))


def test_chat_id_given_as_text_is_sent_as_a_number(api: FakeBotApi) -> None:
    with TelegramNotifier(TOKEN, f" {CHAT_ID} ", base_url=api.base_url) as notifier:
        notifier.send("hello")
    assert api.delivered[0]["chat"]["id"] == CHAT_ID


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize("ptb_timedelta", ["false", "true"])  # retry_after as int seconds, or as timedelta
def test_flood_control_429_is_retried_and_delivered_once(
    api: FakeBotApi, logs: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch, ptb_timedelta: str
) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", ptb_timedelta)
    api.script("sendMessage", too_many_requests(retry_after=1))
    with make_notifier(api) as notifier:
        notifier.send("signal")

    assert len(api.calls_of("sendMessage")) == 2
    assert api.texts() == ["signal"]
    assert any("retry 1 of 3" in record.getMessage() for record in logs.records)
    assert_token_hidden(logs.text)


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
def test_retry_after_is_honoured_up_to_the_cap(api: FakeBotApi) -> None:
    api.script("sendMessage", too_many_requests(retry_after=5))
    with make_notifier(api, max_delay_s=0.2) as notifier:
        started = time.monotonic()
        notifier.send("signal")
        elapsed = time.monotonic() - started
    assert 0.2 <= elapsed < 2.0  # waited, but the cap not the server's 5 s
    assert api.texts() == ["signal"]


def test_bad_gateway_is_retried(api: FakeBotApi, logs: pytest.LogCaptureFixture) -> None:
    api.script("sendMessage", BAD_GATEWAY, BAD_GATEWAY)
    with make_notifier(api) as notifier:
        notifier.send("signal")
    assert len(api.calls_of("sendMessage")) == 3
    assert api.texts() == ["signal"]
    assert_token_hidden(logs.text)


def test_retries_are_bounded(api: FakeBotApi, logs: pytest.LogCaptureFixture) -> None:
    api.script("sendMessage", *[BAD_GATEWAY] * 10)
    with make_notifier(api, retries=2) as notifier, pytest.raises(NotifierError, match="after 3 attempts") as caught:
        notifier.send("signal")
    assert len(api.calls_of("sendMessage")) == 3
    assert api.delivered == []
    assert_clean_error(caught.value, logs)


def test_transient_failure_at_start_up_is_retried(api: FakeBotApi) -> None:
    api.script("getMe", BAD_GATEWAY)
    with make_notifier(api) as notifier:
        notifier.send("signal")
    assert len(api.calls_of("getMe")) == 2
    assert api.texts() == ["signal"]


def test_unauthorized_raises_notifier_error_with_the_token_masked(
    api: FakeBotApi, logs: pytest.LogCaptureFixture
) -> None:
    # python-telegram-bot's Bot.initialize re-raises a refused getMe as "The token `<token>` was rejected"
    with make_notifier(api, token=WRONG_TOKEN) as notifier, pytest.raises(NotifierError) as caught:
        notifier.send("signal")

    assert "token was rejected" in str(caught.value)
    assert "***" in str(caught.value)
    assert_clean_error(caught.value, logs, token=WRONG_TOKEN)
    assert len(api.calls_of("getMe")) == 1  # permanent: not retried
    assert api.calls_of("sendMessage") == []


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (CHAT_NOT_FOUND, r"(?i)chat not found"),
        (error(403, "Forbidden: bot was blocked by the user"), r"(?i)bot was blocked"),
        (
            error(400, "Bad Request: group chat was upgraded to a supergroup chat", migrate_to_chat_id=-1009998887776),
            r"moved to chat id -1009998887776",
        ),
    ],
    ids=["chat-not-found", "blocked", "chat-migrated"],
)
def test_permanent_refusals_are_not_retried(
    api: FakeBotApi, logs: pytest.LogCaptureFixture, reply: Reply, expected: str
) -> None:
    api.script("sendMessage", reply)
    with make_notifier(api) as notifier, pytest.raises(NotifierError, match=expected) as caught:
        notifier.send("signal")
    assert len(api.calls_of("sendMessage")) == 1
    assert_clean_error(caught.value, logs)


def test_unreachable_server_is_retried_then_reported_without_the_token(logs: pytest.LogCaptureFixture) -> None:
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    notifier = TelegramNotifier(
        TOKEN, CHAT_ID, base_url=f"http://127.0.0.1:{port}/bot", timeout_s=2.0, retries=1, max_delay_s=0.0
    )
    with notifier, pytest.raises(NotifierError, match="after 2 attempts") as caught:
        notifier.send("signal")
    assert_clean_error(caught.value, logs)


def test_long_message_is_split_in_order(api: FakeBotApi) -> None:
    lines = [f"{index:05d} " + "x" * 90 for index in range(100)]  # about 9,700 characters
    text = "\n".join(lines)
    with make_notifier(api) as notifier:
        notifier.send(text)

    parts = api.texts()
    assert len(parts) == 3
    assert all(len(part) <= 4096 for part in parts)
    assert "\n".join(parts) == text  # cut at line breaks, nothing lost, order kept
    assert [message["message_id"] for message in api.delivered] == [1, 2, 3]


def test_a_line_longer_than_the_limit_is_cut_hard(api: FakeBotApi) -> None:
    text = "".join(chr(ord("a") + index % 26) for index in range(9000))
    with make_notifier(api) as notifier:
        notifier.send(text)
    parts = api.texts()
    assert [len(part) for part in parts] == [4096, 4096, 808]
    assert "".join(parts) == text


def test_close_is_idempotent_and_send_reopens(api: FakeBotApi) -> None:
    notifier = make_notifier(api)
    notifier.close()  # never opened
    notifier.send("one")
    notifier.close()
    notifier.close()
    notifier.send("two")
    notifier.close()
    assert api.texts() == ["one", "two"]


def test_repr_hides_the_token(api: FakeBotApi) -> None:
    with make_notifier(api) as notifier:
        notifier.send("signal")
        assert_token_hidden(repr(notifier), str(notifier), repr(vars(notifier)))


def test_empty_message_is_refused() -> None:
    notifier = TelegramNotifier(TOKEN, CHAT_ID)
    with pytest.raises(ValueError, match="empty"):
        notifier.send("  \n ")


def test_library_log_records_are_masked_including_tracebacks(logs: pytest.LogCaptureFixture) -> None:
    TelegramNotifier(TOKEN, CHAT_ID)  # registers the token with the log filter
    try:
        raise ValueError(f"POST https://api.telegram.org/bot{TOKEN}/sendMessage failed")
    except ValueError:
        logging.getLogger("telegram.Bot").exception("request to %s failed", f"/bot{TOKEN}/getMe")
    logging.getLogger("httpx").info("HTTP Request: POST %s", f"https://api.telegram.org/bot{TOKEN}/getMe")
    assert "/bot***/getMe" in logs.text
    assert "ValueError: POST https://api.telegram.org/bot***/sendMessage failed" in logs.text
    assert_token_hidden(logs.text)


@pytest.mark.parametrize(
    ("token", "chat_id"),
    [("", CHAT_ID), ("has space", CHAT_ID), (TOKEN, ""), (TOKEN, "   ")],
)
def test_invalid_construction_is_refused(token: str, chat_id: str | int) -> None:
    with pytest.raises(ValueError) as caught:
        TelegramNotifier(token, chat_id)
    assert_token_hidden(str(caught.value))


async def test_send_refuses_to_block_a_running_event_loop(api: FakeBotApi) -> None:
    notifier = make_notifier(api)
    with pytest.raises(RuntimeError, match=r"asyncio\.to_thread"):
        notifier.send("signal")
    await asyncio.to_thread(notifier.send, "from a worker thread")
    await asyncio.to_thread(notifier.close)
    assert api.texts() == ["from a worker thread"]


# -- splitting, without a server ------------------------------------------------------------------


def test_split_counts_utf16_code_units_like_telegram() -> None:
    text = "🚀" * 3000  # 6,000 UTF-16 code units
    parts = split_message(text)
    assert [len(part) for part in parts] == [2048, 952]
    assert "".join(parts) == text


def test_split_leaves_short_text_alone_and_drops_blank_parts() -> None:
    assert split_message("hello") == ["hello"]
    assert split_message("") == []
    assert split_message("a" * 5 + "\n" * 10, limit=5) == ["aaaaa"]
