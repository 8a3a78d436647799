"""The trader's Telegram bot assembled: inside `tradeai run` (``BOT_ENABLED``), where /check reads
the runtime's own health monitor, or alone (`tradeai bot`), where it reads the last scan the
runtime saved in the store. Either way it runs in a thread of its own beside whatever else runs."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from application.bot.ports import BotError, BotEvents
from application.bot.service import BotService
from application.bot.stored_health import StoredScans
from application.runtime.health import HealthMonitor, HealthReport, Served
from entrypoints.candle_bootstrap import RuntimeFailure
from entrypoints.container import Container
from entrypoints.health_boot import scan_period
from entrypoints.settings import Settings
from entrypoints.settings.bot_checks import bot_needs
from entrypoints.store_wait import open_when_up

if TYPE_CHECKING:
    from adapters.telegram.bot import TelegramBot

_WATCH_S = 5.0  # how often `tradeai bot` checks that its bot still runs


def _wall() -> datetime:
    return datetime.now(UTC)


def bot_events(log: Any) -> BotEvents:
    """The bot's audit lines as structured log events at their level."""
    def emit(event: str, level: str, **fields: Any) -> None:
        getattr(log, level)(event, **fields)

    return emit


def start_bot(root: Container, settings: Settings, health: Callable[[], HealthReport], log: Any) -> TelegramBot:
    """The bot, polling; RuntimeFailure when Telegram refuses the token (usage: exit 2) or cannot
    be reached (exit 1)."""
    events = bot_events(log)
    bot = root.bot()
    handler = BotService(bot.setup(), bot.stores(health=health), events, _wall())
    try:
        telegram: TelegramBot = bot.telegram_bot(handler=handler, events=events).start()
    except BotError as exc:
        raise RuntimeFailure(str(exc), usage=exc.refused) from None
    log.info("bot_started", chat=settings.notifier.telegram_chat_id,
             allowed_users=len(settings.notifier.telegram_allowed_user_ids))
    return telegram


def start_runtime_bot(root: Container, settings: Settings, monitor: HealthMonitor | None,
                      log: Any) -> TelegramBot | None:
    """Inside `tradeai run`: the bot when ``BOT_ENABLED``, answering /check from the runtime's monitor.
    A refused token stops the boot (a setting to fix); a Telegram that cannot be reached does not:
    the signals matter more than the chat (they wait in the outbox), and the CLI's controls remain."""
    if not settings.notifier.bot_enabled or monitor is None:
        return None
    try:
        return start_bot(root, settings, monitor.report, log)
    except RuntimeFailure as exc:
        if exc.usage:
            raise
        log.error("bot_not_started", error=str(exc), hint="the runtime goes on without the bot; restart it to retry")
        return None


def served_model(root: Container, settings: Settings) -> str:
    """What the runtime serves, as far as a process that does not run it can tell."""
    if settings.predictor.name != "torch":
        return str(root.runtime().predictor().version)
    promoted = root.registry().registry_store().load().promoted
    return "torch " + (", ".join(f"{role}={tag}" for role, tag in sorted(promoted.items())) or "(none promoted)")


def stored_health(root: Container, settings: Settings) -> Callable[[], HealthReport]:
    from adapters.sql import StorePing

    monitor = HealthMonitor(Served(settings.mode, settings.broker.name, served_model(root, settings)),
                            scan_period(settings), StorePing(root.store().upgraded_engine()), _wall)
    return StoredScans(monitor, root.store().last_scan()).report


def run_bot(root: Container, settings: Settings, stop: threading.Event, log: Any) -> None:
    """`tradeai bot`: the bot alone against the configured store, until ``stop`` is set."""
    missing = bot_needs(settings, "tradeai bot")
    if missing:
        from entrypoints.settings.sources import ENV_VARS

        names = {key: env for env, key in ENV_VARS.items()}
        keys = ", ".join(f"{issue.keys[0]} ({names[issue.keys[0]]})" for issue in missing)
        raise RuntimeFailure(f"the Telegram bot needs {keys}: an empty allow-list obeys nobody", usage=True)
    open_when_up(root.store().upgraded_engine, settings, stop)
    bot = start_bot(root, settings, stored_health(root, settings), log)
    try:
        while not stop.wait(_WATCH_S):
            if not bot.running:
                raise RuntimeFailure("the Telegram bot stopped")
    finally:
        bot.stop()
        log.info("bot_stopped")
