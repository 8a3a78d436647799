"""An update becomes what the bot use case reads; a command addressed to another bot in the same
group is not this bot's to obey."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telegram import Update

from adapters.telegram.bot_updates import incoming

NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def _update(text: str) -> Update:
    return Update.de_json({"update_id": 1, "message": {
        "message_id": 5, "date": int(NOW.timestamp()), "text": text,
        "chat": {"id": -100123, "type": "supergroup"},
        "from": {"id": 4242, "is_bot": False, "first_name": "Trader"}}}, None)


@pytest.mark.parametrize("text", ["/kill_switch on", "/kill_switch@TradeAI_Test_Bot on", "/help@tradeai_test_bot"])
def test_commands_to_this_bot_or_to_no_bot_in_particular_are_read(text: str) -> None:
    arrived = incoming(_update(text), NOW, "tradeai_test_bot")
    assert arrived is not None and arrived.text == text and arrived.user_id == 4242 and arrived.chat_id == -100123


@pytest.mark.parametrize("username", ["tradeai_test_bot", None])
def test_a_command_addressed_to_another_bot_is_ignored(username: str | None) -> None:
    assert incoming(_update("/kill_switch@other_bot off"), NOW, username) is None


def test_plain_text_mentioning_a_bot_is_still_read() -> None:
    arrived = incoming(_update("hello @other_bot"), NOW, "tradeai_test_bot")
    assert arrived is not None and arrived.text == "hello @other_bot"
