"""The commands that change something: /threshold, /kill_switch, /retrain.

``/kill_switch on`` acts at once: stopping is always safe. Resuming (``off``), a threshold and a
retrain ask for confirmation first (an inline yes/no that expires). Changes go through the runtime's
own ``set_control``, so they are validated the same way and stored in control_changes with the
Telegram user who made them; the runtime reads them before its next scan.
"""

from __future__ import annotations

from datetime import datetime

from application.bot.confirm import Confirmations, Pending, button_data
from application.bot.setup import BotSetup, BotStores, Button, Reply
from application.bot.text import minute, tagged
from application.runtime.controls import ControlError, current_controls, preview_control, set_control
from application.runtime.scan_outcome import Controls

RETRAIN = "retrain"
THRESHOLD_USAGE = "Usage: /threshold <high|medium|low> <value>, e.g. /threshold high 0.72"
KILL_USAGE = "Usage: /kill_switch <on|off> [reason]"
NEXT_SCAN = "the runtime applies it at its next scan"


def changed_by(user_id: int) -> str:
    return f"telegram:{user_id}"


class Changes:
    def __init__(self, setup: BotSetup, stores: BotStores, confirmations: Confirmations) -> None:
        self._setup = setup
        self._stores = stores
        self._confirmations = confirmations

    def threshold(self, user_id: int, args: list[str], now: datetime) -> Reply:
        if len(args) != 2:
            return Reply(THRESHOLD_USAGE)
        key = "tier_" + args[0].lower().removeprefix("tier_")
        if key not in ("tier_high", "tier_medium", "tier_low"):
            return Reply(f"Unknown tier {args[0]!r}. {THRESHOLD_USAGE}")
        current = self._controls()
        try:
            preview_control(current, key, args[1])
        except ControlError as exc:
            return Reply(f"Not changed: {exc}")
        before = getattr(current.thresholds, key.removeprefix("tier_"))
        return self._ask(user_id, key, args[1].strip(), f"Set {key} from {before:.2f} to {args[1].strip()}? "
                                                       f"({NEXT_SCAN})", now)

    def kill_switch(self, user_id: int, args: list[str], now: datetime) -> Reply:
        state = args[0].lower() if args else ""
        if state not in ("on", "off"):
            return Reply(KILL_USAGE)
        reason = " ".join(args[1:]) or "via Telegram"
        if state == "on":
            self._set(user_id, "kill_switch", "on", now, reason)
            return Reply(tagged(self._setup.mode, "Kill switch ON: no signal is emitted from the runtime's next "
                                                  "scan on. /kill_switch off resumes."))
        return self._ask(user_id, "kill_switch", f"off {reason}", "Turn the kill switch OFF and resume emitting "
                                                                 f"signals? ({NEXT_SCAN})", now)

    def retrain(self, user_id: int, now: datetime) -> Reply:
        waiting = self._stores.retrain.pending()
        if waiting is not None:
            return Reply(f"A retrain request is already pending: #{waiting.request_id}, asked by "
                         f"{waiting.requested_by} at {minute(waiting.requested_at)}.")
        last = self._stores.retrain.latest()
        before = "" if last is None else (f"\nLast request #{last.request_id}: {last.status.value}"
                                          + (f", {last.result}" if last.result else ""))
        return self._ask(user_id, RETRAIN, "", "Retrain the promoted models on the latest data? The new models "
                                               "serve only if they pass every gate." + before, now)

    def confirmed(self, pending: Pending, now: datetime) -> str:
        """Carry out a confirmed change; the text that replaces the question."""
        if pending.key == RETRAIN:
            request = self._stores.retrain.request(changed_by(pending.user_id), now)
            return (f"Retrain requested (#{request.request_id}). `tradeai retrain --if-requested` runs it and "
                    "records its result; /retrain shows it.")
        value, _, reason = pending.value.partition(" ")
        try:
            after = self._set(pending.user_id, pending.key, value, now, reason or "via Telegram")
        except ControlError as exc:  # the controls changed since the question was asked
            return f"Not changed: {exc}"
        if pending.key == "kill_switch":
            note = " KILL_SWITCH=true in the settings keeps it on." if after.kill_switch else ""
            return tagged(self._setup.mode, f"Kill switch OFF: stored, {NEXT_SCAN}.{note}")
        return tagged(self._setup.mode, f"{pending.key} = {value}: stored, {NEXT_SCAN}.")

    def _ask(self, user_id: int, key: str, value: str, question: str, now: datetime) -> Reply:
        pending = self._confirmations.ask(user_id, key, value, now)
        seconds = int(self._confirmations.ttl.total_seconds())
        return Reply(tagged(self._setup.mode, f"{question}\nAnswer within {seconds} s."),
                     (Button("Yes", button_data(pending, True)), Button("No", button_data(pending, False))))

    def _controls(self) -> Controls:
        return current_controls(self._setup.default_controls, self._stores.controls, self._setup.forced_kill_switch)

    def _set(self, user_id: int, key: str, value: str, now: datetime, reason: str) -> Controls:
        set_control(self._stores.controls, self._controls(), key, value, changed_by=changed_by(user_id), now=now,
                    reason=reason)
        return self._controls()
