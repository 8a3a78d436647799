"""Each command as the trader reads it, and the confirmations of the changes that need one."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.bot.confirm import Confirmations, button_data
from application.bot.service import COMMANDS
from domain.signals.signal import Mode
from tests.unit.bot.world import PARTNER, T0, TRADER, buttons, world


def test_help_lists_every_command() -> None:
    text = world().say("/help").reply.text
    assert all(f"/{name}" in text for name, _ in COMMANDS)


def test_check_reports_mode_scan_store_broker_model_and_controls() -> None:
    w = world()
    w.monitor.scanned(T0 - timedelta(minutes=3))
    w.later(seconds=40)
    text = w.say("/check").reply.text
    assert text.startswith("[DRY-RUN] Check: healthy")
    for line in ("Mode: DRY-RUN", "Last scan: 2026-12-05 08:57 UTC market time, finished 40 s ago",
                 "Store: reachable", "Broker: paper", "Model: fixed-v1", "Kill switch: OFF",
                 "Thresholds: HIGH 0.70 · MEDIUM 0.60 · LOW 0.55", "Rate limits: 10 signals/h, 5 HIGH/h"):
        assert line in text.splitlines()


def test_check_says_unhealthy_and_why_when_scans_stop() -> None:
    w = world()
    w.monitor.scanned(T0)
    w.later(minutes=5)
    text = w.say("/check").reply.text
    assert "Check: UNHEALTHY" in text and "Problem: the last scan was 300 s ago" in text


def test_kill_switch_on_acts_at_once_and_is_stored_with_the_telegram_user() -> None:
    w = world()
    out = w.say("/kill_switch on CPI at 14:30")
    assert out.reply.buttons == () and out.reply.text.startswith("[DRY-RUN] Kill switch ON")
    [change] = w.controls.changes
    assert (change.key, change.value, change.changed_by, change.reason) == (
        "kill_switch", "on", f"telegram:{TRADER}", "CPI at 14:30")
    assert "Kill switch: ON (set by telegram:4242" in w.say("/check").reply.text


def test_kill_switch_off_waits_for_yes() -> None:
    w = world()
    w.say("/kill_switch on")
    asked = w.say("/kill_switch off")
    assert "Turn the kill switch OFF" in asked.reply.text and set(buttons(asked)) == {"Yes", "No"}
    assert len(w.controls.changes) == 1  # nothing yet
    done = w.press(buttons(asked)["Yes"])
    assert done.answer == "Done" and done.edit.startswith("[DRY-RUN] Kill switch OFF: stored")
    assert [(c.key, c.value, c.changed_by) for c in w.controls.changes][-1] == ("kill_switch", "off", "telegram:4242")
    again = w.press(buttons(asked)["Yes"])  # a second press of the same button does nothing
    assert "no longer valid" in again.answer and len(w.controls.changes) == 2


def test_no_cancels_and_an_expired_question_changes_nothing() -> None:
    w = world()
    no = w.press(buttons(w.say("/threshold high 0.8"))["No"])
    assert no.edit == "Cancelled: nothing changed." and w.controls.changes == []
    asked = w.say("/threshold high 0.8")
    w.later(seconds=61)
    late = w.press(buttons(asked)["Yes"])
    assert "expired" in late.answer and "expired" in late.edit and w.controls.changes == []


def test_only_the_user_who_asked_can_answer() -> None:
    w = world()
    asked = w.say("/threshold high 0.8")
    other = w.press(buttons(asked)["Yes"], user=PARTNER)
    assert other.answer.startswith("Only the user who asked") and other.edit is None and w.controls.changes == []
    assert w.press(buttons(asked)["Yes"]).answer == "Done"


def test_a_button_from_an_earlier_run_of_the_bot_matches_nothing() -> None:
    earlier = Confirmations(T0)
    old = earlier.ask(TRADER, "kill_switch", "off", T0)
    restarted = Confirmations(T0 + timedelta(hours=1))
    new = restarted.ask(TRADER, "kill_switch", "off", T0 + timedelta(hours=1))  # the same counter, 1
    pending, _, why = restarted.answer(button_data(old, True), TRADER, T0 + timedelta(hours=1))
    assert pending is None and "no longer valid" in why
    assert restarted.answer(button_data(new, True), TRADER, T0 + timedelta(hours=1))[0] == new


def test_threshold_is_validated_against_the_controls_in_force() -> None:
    w = world()
    assert w.say("/threshold low 0.65").reply.text.startswith("Not changed: tier_low")  # above medium 0.60
    assert w.say("/threshold low abc").reply.text.startswith("Not changed: tier_low")
    assert w.say("/threshold top 0.7").reply.text.startswith("Unknown tier 'top'")
    assert w.say("/threshold high").reply.text.startswith("Usage: /threshold")
    asked = w.say("/threshold HIGH 0.75")
    assert "Set tier_high from 0.70 to 0.75?" in asked.reply.text
    assert w.press(buttons(asked)["Yes"]).edit == ("[DRY-RUN] tier_high = 0.75: stored, the runtime applies it at "
                                                   "its next scan.")
    change = w.controls.changes[-1]
    assert (change.key, change.value, change.changed_by) == ("tier_high", "0.75", "telegram:4242")


def test_a_threshold_confirmed_after_the_controls_moved_is_checked_again() -> None:
    w = world()
    asked = w.say("/threshold medium 0.68")
    w.press(buttons(w.say("/threshold high 0.65"))["Yes"])  # high now below the medium asked for
    assert w.press(buttons(asked)["Yes"]).edit.startswith("Not changed: tier_medium")
    assert [c.key for c in w.controls.changes] == ["tier_high"]


def test_retrain_asks_then_records_one_pending_request() -> None:
    w = world()
    asked = w.say("/retrain")
    assert "Retrain the promoted models" in asked.reply.text and w.retrain.rows == []
    done = w.press(buttons(asked)["Yes"])
    assert done.edit.startswith("Retrain requested (#1). `tradeai retrain --if-requested` runs it")
    assert [(r.request_id, r.requested_by) for r in w.retrain.rows] == [(1, "telegram:4242")]
    assert w.say("/retrain").reply.text.startswith("A retrain request is already pending: #1")
    w.retrain.claim(w.now)
    w.retrain.finish(1, False, "lstm_btc: accuracy 0.50 below 0.68", w.now)
    assert "Last request #1: failed, lstm_btc: accuracy 0.50 below 0.68" in w.say("/retrain").reply.text


def test_forced_kill_switch_is_said_when_turned_off() -> None:
    w = world(forced_kill_switch=True)
    done = w.press(buttons(w.say("/kill_switch off"))["Yes"])
    assert "KILL_SWITCH=true in the settings keeps it on" in done.edit


def test_a_command_sent_while_the_bot_was_down_is_not_carried_out_unless_it_stops() -> None:
    w = world()
    out = w.say("/threshold high 0.8", sent=T0 - timedelta(minutes=6))
    assert out.reply.text.startswith("Ignored /threshold: sent at 2026-12-05 08:54 UTC") and out.reply.buttons == ()
    assert w.say("/kill_switch off", sent=T0 - timedelta(minutes=6)).reply.text.startswith("Ignored /kill_switch")
    assert w.controls.changes == [] and w.named("bot_command_stale")[0]["command"] == "threshold"
    assert "Kill switch ON" in w.say("/kill_switch on", sent=T0 - timedelta(hours=2)).reply.text
    assert [(c.key, c.value) for c in w.controls.changes] == [("kill_switch", "on")]


def test_unknown_commands_and_plain_text() -> None:
    w = world()
    assert w.say("/buy BTC").reply.text == "Unknown command /buy. /help lists the commands."
    assert w.say("how are we doing?").reply is None
    assert w.say("/check@tradeai_test_bot").reply.text.startswith("[DRY-RUN] Check")


def test_live_replies_carry_no_dry_run_tag() -> None:
    w = world(mode=Mode.LIVE)
    assert w.say("/check").reply.text.startswith("Check: healthy")
    assert w.say("/kill_switch on").reply.text.startswith("Kill switch ON")


@pytest.mark.parametrize("command", ["/stats", "/ftmo_status", "/kill_switch on"])
def test_a_store_that_is_down_is_said_and_logged_with_no_password(command: str) -> None:
    w = world()
    broken = ConnectionError("connection to postgresql://trader:hunter2@db:5432/tradeai refused")
    w.book.fail_with = broken
    w.controls.record = lambda change: (_ for _ in ()).throw(broken)  # type: ignore[method-assign]
    text = w.say(command).reply.text
    assert text.startswith("Cannot answer right now: ConnectionError") and "hunter2" not in text
    assert "hunter2" not in w.named("bot_command_failed")[0]["error"]


def test_a_bot_on_its_own_reads_the_last_scan_from_the_store() -> None:
    from application.bot.stored_health import StoredScans
    from application.runtime.health import HealthMonitor, Served

    clock = [T0]
    seen: list[tuple | None] = [None]

    class Last:
        def last_scan(self):
            if seen[0] == "down":
                raise ConnectionError("store down")
            return seen[0]

    health = StoredScans(HealthMonitor(Served("dryrun", "paper", "m"), timedelta(minutes=2), lambda: None,
                                       lambda: clock[0]), Last())
    assert health.report().body["last_scan"] is None
    seen[0] = (T0 - timedelta(days=400), T0 - timedelta(seconds=30))  # a replay's market time, saved 30 s ago
    body = health.report().body
    assert body["last_scan"] == (T0 - timedelta(days=400)).isoformat() and body["lag_seconds"] == 30.0
    clock[0] += timedelta(minutes=5)
    seen[0] = "down"
    report = health.report()
    assert not report.healthy and report.body["lag_seconds"] == 330.0
