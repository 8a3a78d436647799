"""The real python-telegram-bot client against the local Bot API, over SQLite and Postgres: every
command from the allowed user, the confirmations through inline buttons, and the same commands from
a stranger (refused once, audited, nothing changed)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from adapters.sql import SqlRiskBook
from adapters.sql.tables import control_changes, retrain_requests
from application.bot.access import REFUSAL
from application.bot.ratelimit import RateLimit
from domain.market.candles import Direction, Pair
from domain.risk import Account
from domain.risk.emission import GuardState
from domain.signals.signal import Mode, Signal, Tier
from domain.stats.outcomes import Result, TradeOutcome
from tests.integration.sql.conftest import migrated_engine
from tests.integration.telegram.bot_api_server import FakeBotApi
from tests.integration.telegram.bot_harness import (
    ACCOUNT,
    CHAT,
    STRANGER,
    TRADER,
    Chat,
    Events,
    running_bot,
    service,
    sql_stores,
)

AS_OF = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=2)
COMMANDS = ["/help", "/check", "/stats", "/stats 30", "/ftmo_status", "/threshold high 0.75", "/kill_switch on",
            "/kill_switch off", "/retrain"]


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path) -> sa.Engine:
    engine = migrated_engine(request, tmp_path, request.param)
    book = SqlRiskBook(engine, ACCOUNT)
    state = GuardState(Account.start(100_000.0, AS_OF - timedelta(hours=1)), as_of=AS_OF)
    for n, won in enumerate((True, False, False)):
        at = AS_OF - timedelta(hours=1, minutes=n)
        signal = Signal(signal_id=f"BTCUSDT-{n}", pair=Pair("BTCUSDT"), direction=Direction.LONG, entry=100.0,
                        take_profit=103.0, stop_loss=98.0, confidence=0.71, tier=Tier.HIGH, created_at=at,
                        mode=Mode.DRYRUN, model_version="baseline-momentum-k0.5", size=0.5)
        book.record_signal(signal, state)
        book.record_outcome(TradeOutcome(signal.signal_id, Result.WIN if won else Result.LOSS,
                                         at + timedelta(minutes=20), 103.0 if won else 98.0,
                                         1.5 if won else -1.0), state)
    return engine


def rows(engine: sa.Engine, table: sa.Table) -> list[dict]:
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(sa.select(table).order_by(table.c.id))]


def test_every_command_from_the_allowed_user(api: FakeBotApi, engine: sa.Engine) -> None:
    events = Events()
    with running_bot(api, service(sql_stores(engine), events), events=events) as chat:
        assert "/ftmo_status" in _text(chat, "/help")
        assert _text(chat, "/check").startswith("[DRY-RUN] Check:")
        stats = _text(chat, "/stats")
        assert stats.startswith("[DRY-RUN] Stats: last 7 days, DRY-RUN only")
        assert "All: 3 trades · won 1: 33.3% (95% CI 6.1%-79.2%) · avg -0.17R · few trades" in stats
        assert "baseline-momentum-k0.5: 3 trades" in stats
        assert "  internal daily: 95,500.00 (4,500.00)" in _text(chat, "/ftmo_status")
        _confirm(chat, "/threshold high 0.75", "Yes")
        assert chat.say("/kill_switch on").reply.buttons == ()  # at once
        _confirm(chat, "/kill_switch off", "No")
        _confirm(chat, "/kill_switch off", "Yes")
        _confirm(chat, "/retrain", "Yes")
    changes = [(r["key"], r["value"], r["changed_by"]) for r in rows(engine, control_changes)]
    assert changes == [("tier_high", "0.75", "telegram:4242"), ("kill_switch", "on", "telegram:4242"),
                       ("kill_switch", "off", "telegram:4242")]
    [request] = rows(engine, retrain_requests)
    assert (request["requested_by"], request["status"]) == ("telegram:4242", "pending")
    # the wire: buttons are sent as an inline keyboard, answers name the button press they answer
    asked = [json.loads(c.params["reply_markup"]) for c in api.calls_of("sendMessage") if "reply_markup" in c.params]
    assert len(asked) == 4 and all([b["text"] for b in m["inline_keyboard"][0]] == ["Yes", "No"] for m in asked)
    assert all("reply_markup" not in m for m in api.delivered)  # each question lost its buttons when answered
    assert [a["text"] for a in api.answers] == ["Done", "Cancelled", "Done", "Done"]
    assert all(a["callback_query_id"].startswith("cbq-") for a in api.answers)
    assert api.edits[1]["text"] == "Cancelled: nothing changed."
    assert [c.method for c in api.calls[:3]] == ["getMe", "setMyCommands", "deleteWebhook"]
    assert [e["command"] for e in events.named("bot_command")] == ["help", "check", "stats", "ftmo_status",
                                                                   "threshold", "kill_switch", "kill_switch",
                                                                   "kill_switch", "retrain"]


def test_the_same_commands_from_a_stranger_change_nothing(api: FakeBotApi, engine: sa.Engine) -> None:
    events = Events()
    with running_bot(api, service(sql_stores(engine), events), events=events) as chat:
        question = _ask(chat, "/kill_switch off")  # the trader's open question
        for command in COMMANDS:
            chat.say(command, user=STRANGER, chat=STRANGER)
        chat.press(question, "Yes", user=STRANGER)
        chat.say("/kill_switch on", user=STRANGER, chat=CHAT)  # in the trader's chat too
    to_stranger = [m["text"] for m in api.delivered if m["chat"]["id"] == STRANGER]
    assert to_stranger == [REFUSAL]  # once, however many updates
    assert not any(m["text"] == REFUSAL for m in api.delivered if m["chat"]["id"] == CHAT)  # refused there already
    refused = events.named("bot_refused")
    assert len(refused) == len(COMMANDS) + 2 and all(e["user_id"] == STRANGER for e in refused)
    assert rows(engine, control_changes) == [] and rows(engine, retrain_requests) == []
    assert api.answers == [] and api.edits == []


def test_commands_are_rate_limited_per_user(api: FakeBotApi, engine: sa.Engine) -> None:
    events = Events()
    handler = service(sql_stores(engine), events, RateLimit(per_minute=1, burst=2))
    with running_bot(api, handler, events=events) as chat:
        answers = [chat.say("/help").reply for _ in range(5)]
    assert [a is not None for a in answers] == [True, True, True, False, False]
    assert api.delivered[2]["text"].startswith("Too many commands: wait")
    assert len(api.calls_of("sendMessage")) == 3 and len(events.named("bot_rate_limited")) == 3


def _text(chat: Chat, command: str) -> str:
    chat.say(command)
    return chat.last()["text"]


def _ask(chat: Chat, command: str) -> dict:
    out = chat.say(command)
    assert out.reply is not None and [b.label for b in out.reply.buttons] == ["Yes", "No"]
    return chat.last()


def _confirm(chat: Chat, command: str, label: str) -> None:
    chat.press(_ask(chat, command), label)
    assert TRADER  # the trader pressed it
