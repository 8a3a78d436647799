"""Use case: handle one bot update (a command or a button press) and say what to answer.

Pure of Telegram: the adapter turns an update into ``Incoming`` and carries out the ``Outgoing``.
Every update passes the gate first (application.bot.access: allow-list, chat, rate limit); a
command older than ``max_command_age`` (sent while the bot was down) is not carried out, except
``/kill_switch on``: stopping late is still safer than not stopping.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import attrs

from application.bot.access import Caller, Gate
from application.bot.changes import Changes
from application.bot.check_view import check_text
from application.bot.confirm import Confirmations
from application.bot.ftmo_view import ftmo_text
from application.bot.ports import BotEvents
from application.bot.setup import BotSetup, BotStores, Reply
from application.bot.stats_view import StatsUsage, parse_stats_args, stats_text
from application.bot.text import minute
from application.runtime.controls import current_controls
from application.runtime.scan_outcome import Controls
from domain.security.redaction import mask_urls_in

COMMANDS = (
    ("check", "runtime health, mode, model, kill switch and thresholds"),
    ("stats", "[7|30] [dryrun|live] closed trades by tier, session and model"),
    ("ftmo_status", "balance, equity, today's floors and headroom, trading days, target"),
    ("threshold", "<high|medium|low> <value> change a tier threshold (asks to confirm)"),
    ("kill_switch", "<on|off> [reason] on stops emissions at once; off asks to confirm"),
    ("retrain", "ask for a retraining of the promoted models (asks to confirm)"),
    ("help", "this list"),
)
HELP = "Commands:\n" + "\n".join(f"/{name} {about}" for name, about in COMMANDS)
_MAX_ERROR = 200


@attrs.frozen
class Incoming:
    user_id: int | None
    chat_id: int | str | None
    sent_at: datetime
    text: str = ""
    callback_data: str | None = None  # a button press


@attrs.frozen
class Outgoing:
    reply: Reply | None = None  # a message to the chat
    answer: str | None = None  # the answer to a button press (None: not answered)
    edit: str | None = None  # the new text of the message that carried the buttons


class BotService:
    def __init__(self, setup: BotSetup, stores: BotStores, events: BotEvents, started: datetime) -> None:
        self._setup = setup
        self._stores = stores
        self._events = events
        self._gate = Gate(setup.allowed_user_ids, setup.chat_id, setup.rate, events)
        self._confirmations = Confirmations(started, setup.confirm_ttl)
        self._changes = Changes(setup, stores, self._confirmations)

    def handle(self, incoming: Incoming, now: datetime) -> Outgoing:
        what = incoming.text if incoming.callback_data is None else f"button {incoming.callback_data}"
        admission = self._gate.admit(Caller(incoming.user_id, incoming.chat_id), what, now)
        if not admission.obeyed or incoming.user_id is None:
            if incoming.callback_data is not None and incoming.user_id in self._setup.allowed_user_ids:
                return Outgoing(answer=admission.reply or "")
            return Outgoing(reply=Reply(admission.reply) if admission.reply else None)
        if incoming.callback_data is not None:
            return self._button(incoming.user_id, incoming.callback_data, now)
        return self._command(incoming, incoming.user_id, now)

    def _button(self, user_id: int, data: str, now: datetime) -> Outgoing:
        pending, yes, why = self._confirmations.answer(data, user_id, now)
        if pending is None:
            return Outgoing(answer=why, edit=None if why.startswith("Only") else why)
        self._events("bot_confirmation", "info", user_id=user_id, key=pending.key, confirmed=yes)
        if not yes:
            return Outgoing(answer="Cancelled", edit="Cancelled: nothing changed.")
        done = self._guarded(lambda: self._changes.confirmed(pending, now))
        return Outgoing(answer="Done", edit=done.text if isinstance(done, Reply) else done)

    def _command(self, incoming: Incoming, user_id: int, now: datetime) -> Outgoing:
        words = incoming.text.split()
        if not words or not words[0].startswith("/"):
            return Outgoing()
        name, args = words[0][1:].split("@", 1)[0].lower(), words[1:]
        stopping = name == "kill_switch" and [a.lower() for a in args[:1]] == ["on"]
        if now - incoming.sent_at > self._setup.max_command_age and not stopping:  # stopping is always safe
            self._events("bot_command_stale", "warning", user_id=user_id, command=name,
                         sent_at=incoming.sent_at.isoformat())
            return Outgoing(reply=Reply(f"Ignored /{name}: sent at {minute(incoming.sent_at)}, while the bot was "
                                        "not running. Send it again if you still mean it."))
        self._events("bot_command", "info", user_id=user_id, command=name, args=" ".join(args)[:64])
        return Outgoing(reply=self._run(name, args, user_id, now))

    def _run(self, name: str, args: list[str], user_id: int, now: datetime) -> Reply:
        actions: dict[str, Callable[[], Reply | str]] = {
            "check": self._check,
            "stats": lambda: self._stats(args, now),
            "ftmo_status": self._ftmo,
            "threshold": lambda: self._changes.threshold(user_id, args, now),
            "kill_switch": lambda: self._changes.kill_switch(user_id, args, now),
            "retrain": lambda: self._changes.retrain(user_id, now),
            "help": lambda: HELP,
            "start": lambda: HELP,
        }
        action = actions.get(name)
        if action is None:
            return Reply(f"Unknown command /{name}. /help lists the commands.")
        result = self._guarded(action)
        return result if isinstance(result, Reply) else Reply(result)

    def _check(self) -> str:
        controls: Controls | None = None
        error: str | None = None
        try:
            controls = current_controls(self._setup.default_controls, self._stores.controls,
                                        self._setup.forced_kill_switch)
        except Exception as exc:  # the store is down: the check says so rather than failing
            error = _describe(exc)
        return check_text(self._setup.mode, self._stores.health(), controls, error)

    def _stats(self, args: list[str], now: datetime) -> str:
        try:
            days, mode = parse_stats_args(args, self._setup.mode)
        except StatsUsage as exc:
            return str(exc)
        state = self._stores.risk_book.load_state()
        until = state.as_of if state is not None and state.as_of is not None else now
        return stats_text(self._stores.performance, self._stores.patterns, until, days, mode)

    def _ftmo(self) -> str:
        return ftmo_text(self._setup.mode, self._stores.risk_book.load_state(), self._setup.risk,
                         self._setup.account_name)

    def _guarded(self, action: Callable[[], Reply | str]) -> Reply | str:
        try:
            return action()
        except Exception as exc:  # a store that is down: said in the chat and logged, never raised to the bot
            self._events("bot_command_failed", "error", error=_describe(exc))
            return f"Cannot answer right now: {_describe(exc)}"


def _describe(exc: BaseException) -> str:
    text = mask_urls_in(f"{type(exc).__name__}: {exc}")
    return text if len(text) <= _MAX_ERROR else text[: _MAX_ERROR - 3] + "..."
