"""The bot's context: the settings as the use case's setup, the stores it reads and writes (the
store context's), and the Telegram adapter that runs it. How /check learns of the last scan is the
caller's: the runtime's own monitor inside `tradeai run`, the store for `tradeai bot`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from dependency_injector import containers, providers

from application.bot.ports import BotEvents, RetrainRequests
from application.bot.ratelimit import RateLimit
from application.bot.setup import BotSetup, BotStores
from application.runtime.health import HealthReport
from application.runtime.ports import ControlRepository, RiskBookUnitOfWork
from application.stats.ports import PatternRepository, PerformanceQueries
from domain.signals.signal import Mode
from entrypoints.settings import Settings

if TYPE_CHECKING:  # python-telegram-bot is imported only when a bot is built
    from adapters.telegram.bot import BotHandler, TelegramBot


def _setup(settings: Settings, account: str) -> BotSetup:
    from entrypoints.runtime_main import default_controls
    from entrypoints.settings.domain_config import risk_settings

    n = settings.notifier
    return BotSetup(Mode(settings.mode), account, frozenset(n.telegram_allowed_user_ids), n.telegram_chat_id,
                    default_controls(settings), settings.guards.kill_switch, risk_settings(settings),
                    RateLimit(n.bot_commands_per_minute, n.bot_command_burst))


def _stores(risk_book: RiskBookUnitOfWork, controls: ControlRepository, performance: PerformanceQueries,
            patterns: PatternRepository, retrain: RetrainRequests,
            health: Callable[[], HealthReport]) -> BotStores:
    return BotStores(controls, risk_book, performance, patterns, retrain, health)


def _telegram_bot(settings: Settings, handler: BotHandler, events: BotEvents) -> TelegramBot:
    from adapters.telegram.bot import TelegramBot
    from application.bot.service import COMMANDS

    token = settings.notifier.telegram_bot_token
    if token is None:
        raise ValueError("notifier.telegram_bot_token is required to run the Telegram bot")
    return TelegramBot(token.reveal(), handler, base_url=settings.notifier.telegram_base_url, commands=COMMANDS,
                       events=events)


class BotContainer(containers.DeclarativeContainer):
    settings: providers.Dependency[Settings] = providers.Dependency(instance_of=Settings)
    account_name: providers.Dependency[str] = providers.Dependency(instance_of=str)
    # from the store context
    risk_book: providers.Dependency[RiskBookUnitOfWork] = providers.Dependency()
    control_repository: providers.Dependency[ControlRepository] = providers.Dependency()
    performance_queries: providers.Dependency[PerformanceQueries] = providers.Dependency()
    pattern_repository: providers.Dependency[PatternRepository] = providers.Dependency()
    retrain_requests: providers.Dependency[RetrainRequests] = providers.Dependency()

    setup: providers.Singleton[BotSetup] = providers.Singleton(_setup, settings, account_name)
    # call stores(health=...): the health report /check answers with
    stores: providers.Factory[BotStores] = providers.Factory(
        _stores, risk_book, control_repository, performance_queries, pattern_repository, retrain_requests)
    # call telegram_bot(handler=..., events=...)
    telegram_bot: providers.Factory[TelegramBot] = providers.Factory(_telegram_bot, settings)
