"""Deny by default: the allow-list, the configured chat, one refusal per stranger per hour with an
audit event for every update, and the per-user token bucket."""

from __future__ import annotations

from datetime import timedelta

from application.bot.access import REFUSAL
from application.bot.ratelimit import RateLimit, TokenBuckets
from tests.unit.bot.world import CHAT, PARTNER, STRANGER, T0, TRADER, world


def test_a_stranger_is_refused_once_an_hour_and_every_update_is_audited() -> None:
    w = world()
    replies = []
    for text in ("/kill_switch on", "/threshold high 0.9", "/check", "hello"):
        out = w.say(text, user=STRANGER)
        replies.append(None if out.reply is None else out.reply.text)
        w.later(minutes=10)
    assert replies == [REFUSAL, None, None, None]
    audited = w.named("bot_refused")
    assert [a["update"] for a in audited] == ["/kill_switch on", "/threshold high 0.9", "/check", "hello"]
    assert all(a["user_id"] == STRANGER and a["reason"] == "not in the allow-list" for a in audited)
    assert [a["replied"] for a in audited] == [True, False, False, False]
    assert w.controls.changes == []  # nothing a stranger says changes anything
    w.later(minutes=21)  # an hour after the first refusal
    assert w.say("/check", user=STRANGER).reply.text == REFUSAL


def test_the_refusal_says_nothing_about_the_bot() -> None:
    assert "allow" not in REFUSAL.lower() and "telegram" not in REFUSAL.lower()


def test_an_allowed_user_is_obeyed_only_in_the_configured_chat() -> None:
    w = world()
    out = w.say("/kill_switch on", user=TRADER, chat=TRADER)  # a private chat with the bot
    assert out.reply.text == REFUSAL and w.controls.changes == []
    assert w.named("bot_refused")[0]["reason"] == "outside the configured chat"
    assert "Kill switch ON" in w.say("/kill_switch on", user=TRADER, chat=CHAT).reply.text


def test_an_empty_allow_list_obeys_nobody() -> None:
    w = world(allowed=frozenset())
    assert w.say("/kill_switch on").reply.text == REFUSAL
    assert w.controls.changes == [] and w.named("bot_refused")[0]["reason"] == "the allow-list is empty"


def test_an_update_without_a_user_is_audited_and_not_answered() -> None:
    w = world()
    assert w.say("/check", user=None).reply is None
    assert w.named("bot_refused")[0]["user_id"] is None


def test_a_strangers_button_press_changes_nothing() -> None:
    w = world()
    asked = w.say("/kill_switch off")
    data = asked.reply.buttons[0].data
    out = w.press(data, user=STRANGER)
    assert out.answer is None and out.edit is None and out.reply.text == REFUSAL
    assert w.controls.changes == []
    assert "OFF" in w.press(data).edit  # the owner's question is still open


def test_commands_are_rate_limited_per_user_and_told_once_per_dry_spell() -> None:
    w = world(rate=RateLimit(per_minute=6, burst=3))
    texts = [w.say("/help").reply for _ in range(5)]
    assert all(r is not None and r.text.startswith("Commands") for r in texts[:3])
    assert texts[3].text.startswith("Too many commands: wait 10 s") and texts[4] is None
    assert [e["replied"] for e in w.named("bot_rate_limited")] == [True, False]
    assert w.say("/help", user=PARTNER).reply.text.startswith("Commands")  # another user has a bucket of their own
    w.later(seconds=10)
    assert w.say("/help").reply.text.startswith("Commands")
    assert w.say("/help").reply.text.startswith("Too many")  # a new dry spell is told again


def test_a_token_bucket_refills_with_time_and_never_from_a_clock_going_back() -> None:
    buckets = TokenBuckets(RateLimit(per_minute=60, burst=2))
    assert buckets.take(1, T0) and buckets.take(1, T0) and not buckets.take(1, T0)
    assert not buckets.take(1, T0 - timedelta(hours=1))
    assert buckets.take(1, T0 + timedelta(seconds=1)) and not buckets.take(1, T0 + timedelta(seconds=1))
    assert buckets.take(1, T0 + timedelta(hours=1)) and buckets.take(1, T0 + timedelta(hours=1))
    assert not buckets.take(1, T0 + timedelta(hours=1))  # never more than the burst
