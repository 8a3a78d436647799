"""The runtime's adapters, each chosen by the settings: candle source, notifier, broker, predictor
and clock. providers.Selector builds only the selected branch, so an unselected adapter (and its
SDK) is never imported or constructed."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from dependency_injector import containers, providers

from application.brokers.ports import BrokerGateway
from application.data.ports import CandleSource, Clock
from application.models.ports import Predictor
from application.runtime.outbox import Outbox
from application.runtime.ports import Broker, ControlRepository, Notifier, OrderIntents, RiskBookUnitOfWork
from application.stats.ports import PatternRepository
from domain.execution.instruments import Instruments
from domain.execution.sampling import FillCosts
from entrypoints.container import brokers
from entrypoints.settings import Settings


def _replay_source(settings: Settings) -> CandleSource:
    from adapters.files import OhlcvCsvReader, candle_files
    from adapters.replay import MemoryCandleStore
    from application.data.candle_source import LoadedCandleSource
    from application.data.replay_files import load_replay_files
    from domain.market.candles import Pair

    files = candle_files([Path(p) for p in settings.candles.replay_paths], [Pair.parse(p) for p in settings.pairs])
    store = MemoryCandleStore()
    load_replay_files(files, OhlcvCsvReader(), store)
    return LoadedCandleSource(store.load)


def _binance_source(settings: Settings) -> CandleSource:
    from adapters.binance import BinanceRestCandleSource

    return BinanceRestCandleSource(base_url=settings.candles.binance_base_url)


def _console_notifier(stream: TextIO | None) -> Notifier:
    from adapters.console import ConsoleNotifier

    return ConsoleNotifier(stream)


def _telegram_notifier(settings: Settings) -> Notifier:
    from adapters.telegram import TelegramNotifier

    token = settings.notifier.telegram_bot_token
    if token is None:
        raise ValueError("notifier.telegram_bot_token is required when notifier.name is telegram")
    return TelegramNotifier(
        bot_token=token.reveal(), chat_id=settings.notifier.telegram_chat_id,
        base_url=settings.notifier.telegram_base_url,
    )


def _paper_broker(instruments: Instruments, fill_costs: FillCosts) -> Broker:
    from adapters.brokers.paper import PaperBroker

    # the catalogue the guard sizes with (commission, lot limits, the p90 fallback) and the fill
    # costs the backtest draws too, so a replay and a backtest of one window pay alike
    return PaperBroker(instruments, fill_costs)


def _baseline_predictor() -> Predictor:
    from adapters.predictors.baseline import BaselineMomentumPredictor

    return BaselineMomentumPredictor()


def _random_predictor(settings: Settings) -> Predictor:
    from adapters.predictors.random_direction import RandomDirectionPredictor

    return RandomDirectionPredictor(seed=settings.seed, probability=settings.signals.tier_low)


def _replay_clock(settings: Settings, stop: threading.Event, start: datetime) -> Clock:
    from adapters.clock import ReplayClock

    speed = None if settings.runtime.speed == "max" else float(settings.runtime.speed)
    return ReplayClock(start, speed=speed, stop=stop)


def _system_clock(stop: threading.Event) -> Clock:
    from adapters.clock import SystemClock

    return SystemClock(stop)


class RuntimeContainer(containers.DeclarativeContainer):
    settings: providers.Dependency[Settings] = providers.Dependency(instance_of=Settings)
    # from the store context: the risk book the guard keeps, and the controls a person sets
    account_name: providers.Dependency[str] = providers.Dependency(instance_of=str)
    risk_book: providers.Dependency[RiskBookUnitOfWork] = providers.Dependency()
    control_repository: providers.Dependency[ControlRepository] = providers.Dependency()
    # the store's outbox: what the risk book writes with each signal, drained to the notifier
    outbox: providers.Dependency[Outbox] = providers.Dependency()
    # live: each order written before it is sent (application.runtime.recover_orders)
    order_intents: providers.Dependency[OrderIntents] = providers.Dependency()
    # the pattern history the scan adjusts confidence with and the paper book counts closes into
    pattern_repository: providers.Dependency[PatternRepository] = providers.Dependency()
    # from the execution context: the catalogue with the measured p90 costs (or the placeholders)
    instruments: providers.Dependency[Instruments] = providers.Dependency(instance_of=Instruments,
                                                                          default=Instruments())
    # from the execution context: what each paper fill pays, by pair x session, seeded
    fill_costs: providers.Dependency[FillCosts] = providers.Dependency(instance_of=FillCosts, default=FillCosts())

    stop_event: providers.Singleton[threading.Event] = providers.Singleton(threading.Event)
    # the console notifier's stream (None: stdout when it prints); the runtime points it past its progress line
    console_stream: providers.Object[TextIO | None] = providers.Object(None)

    candle_source: providers.Selector[CandleSource] = providers.Selector(
        providers.Callable(lambda s: s.candles.source, settings),
        replay=providers.Singleton(_replay_source, settings),
        binance=providers.Singleton(_binance_source, settings),
    )
    notifier: providers.Selector[Notifier] = providers.Selector(
        providers.Callable(lambda s: s.notifier.name, settings),
        console=providers.Singleton(_console_notifier, console_stream),
        telegram=providers.Singleton(_telegram_notifier, settings),
    )
    # the live broker's account (BROKER=mt5, mt5-rest, metaapi); a test overrides it with a fake terminal's
    broker_gateway: providers.Selector[BrokerGateway] = providers.Selector(
        providers.Callable(lambda s: s.broker.name, settings),
        mt5=providers.Singleton(brokers.mt5_gateway, settings, instruments),
        metaapi=providers.Singleton(brokers.metaapi_gateway, settings, instruments),
        **{"mt5-rest": providers.Singleton(brokers.mt5_rest_gateway, settings)},
    )
    broker: providers.Selector[Broker] = providers.Selector(
        providers.Callable(lambda s: s.broker.name, settings),
        paper=providers.Singleton(_paper_broker, instruments, fill_costs),
        mt5=providers.Singleton(brokers.gateway_broker, settings, broker_gateway),
        metaapi=providers.Singleton(brokers.gateway_broker, settings, broker_gateway),
        **{"mt5-rest": providers.Singleton(brokers.gateway_broker, settings, broker_gateway)},
    )
    # the registry's served models (container root: built only when predictor=torch)
    trained: providers.Dependency[Predictor] = providers.Dependency()

    predictor: providers.Selector[Predictor] = providers.Selector(
        providers.Callable(lambda s: s.predictor.name, settings),
        baseline=providers.Singleton(_baseline_predictor),
        random=providers.Singleton(_random_predictor, settings),
        torch=trained,
    )
    # latency of each pair-scan, read through the port's timer so tests can fix it
    timer: providers.Object[Callable[[], float]] = providers.Object(time.perf_counter)
    # the replay clock starts where the replay window does: call replay_clock(start=...)
    replay_clock: providers.Factory[Clock] = providers.Factory(_replay_clock, settings, stop_event)
    system_clock: providers.Factory[Clock] = providers.Factory(_system_clock, stop_event)
