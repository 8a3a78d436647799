"""The composition root: builds, per the settings, the one adapter chosen for each port.

providers.Selector builds only the selected branch, so an unselected adapter (and its SDK) is
never imported or constructed. Tests override providers with fakes."""

from __future__ import annotations

import threading
from pathlib import Path

from dependency_injector import containers, providers

from entrypoints.settings import Settings


def _replay_source(settings: Settings) -> object:
    from adapters.files import OhlcvCsvReader, candle_files
    from adapters.replay import MemoryCandleStore
    from application.data.candle_source import LoadedCandleSource
    from application.data.replay_files import load_replay_files
    from domain.market.candles import Pair

    files = candle_files([Path(p) for p in settings.candles.replay_paths], [Pair.parse(p) for p in settings.pairs])
    store = MemoryCandleStore()
    load_replay_files(files, OhlcvCsvReader(), store)
    return LoadedCandleSource(store.load)


def _binance_source(settings: Settings) -> object:
    from adapters.binance import BinanceRestCandleSource

    return BinanceRestCandleSource(base_url=settings.candles.binance_base_url)


def _engine(settings: Settings) -> object:
    from adapters.sql import create_engine, upgrade

    engine = create_engine(settings.store.url)
    upgrade(engine)
    return engine


def account_name(settings: Settings) -> str:
    """Replays keep their paper account apart from the one the live clock runs on."""
    return "replay" if settings.candles.source == "replay" else settings.mode


def _risk_book(engine: object, account: str) -> object:
    from adapters.sql import SqlRiskBook

    return SqlRiskBook(engine, account)  # type: ignore[arg-type]


def _control_repository(engine: object) -> object:
    from adapters.sql import SqlControlRepository

    return SqlControlRepository(engine)  # type: ignore[arg-type]


def _console_notifier() -> object:
    from adapters.console import ConsoleNotifier

    return ConsoleNotifier()


def _telegram_notifier(settings: Settings) -> object:
    from adapters.telegram import TelegramNotifier

    token = settings.notifier.telegram_bot_token
    if token is None:
        raise ValueError("notifier.telegram_bot_token is required when notifier.name is telegram")
    return TelegramNotifier(
        bot_token=token.reveal(), chat_id=settings.notifier.telegram_chat_id,
        base_url=settings.notifier.telegram_base_url,
    )


def _paper_broker() -> object:
    from adapters.brokers.paper import PaperBroker

    return PaperBroker()


def _baseline_predictor() -> object:
    from adapters.predictors.baseline import BaselineMomentumPredictor

    return BaselineMomentumPredictor()


class Container(containers.DeclarativeContainer):
    settings = providers.Dependency(instance_of=Settings)
    stop_event = providers.Singleton(threading.Event)

    candle_source = providers.Selector(
        providers.Callable(lambda s: s.candles.source, settings),
        replay=providers.Singleton(_replay_source, settings),
        binance=providers.Singleton(_binance_source, settings),
    )
    engine = providers.Singleton(_engine, settings)
    account_name = providers.Callable(account_name, settings)
    risk_book = providers.Singleton(_risk_book, engine, account_name)
    control_repository = providers.Singleton(_control_repository, engine)
    notifier = providers.Selector(
        providers.Callable(lambda s: s.notifier.name, settings),
        console=providers.Singleton(_console_notifier),
        telegram=providers.Singleton(_telegram_notifier, settings),
    )
    broker = providers.Selector(
        providers.Callable(lambda s: s.broker.name, settings),
        paper=providers.Singleton(_paper_broker),
    )
    predictor = providers.Selector(
        providers.Callable(lambda s: s.predictor.name, settings),
        baseline=providers.Singleton(_baseline_predictor),
    )


def build_container(settings: Settings) -> Container:
    container = Container()
    container.settings.override(settings)
    return container
