"""The backtest's adapters: the bulk predictor (chosen like the runtime's), the baselines a run is
compared with, the costs, the broker the runtime fills with, the candle files it replays and the
timer decisions are measured with."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path

from dependency_injector import containers, providers

from application.backtest.ports import BulkPredictor, CostModel
from application.runtime.ports import Broker
from domain.execution.instruments import Instruments
from domain.execution.sampling import FillCosts
from domain.market.candles import Pair
from domain.market.quality import Ohlcv
from entrypoints.settings import Settings


def _baseline() -> BulkPredictor:
    from adapters.predictors.baseline import BaselineMomentumPredictor

    return BaselineMomentumPredictor()


def _random(settings: Settings) -> BulkPredictor:
    from adapters.predictors.random_direction import RandomDirectionPredictor

    # at the LOW tier's threshold: it trades at LOW with everyone's exits, so only the direction differs
    return RandomDirectionPredictor(seed=settings.seed, probability=settings.signals.tier_low)


def _baselines(settings: Settings) -> Mapping[str, BulkPredictor]:
    """What every report compares a strategy with: the momentum rule, and a coin toss seeded by the run's seed."""
    return {"momentum": _baseline(), "random": _random(settings)}


def _costs(instruments: Instruments, fill_costs: FillCosts) -> CostModel:
    from application.backtest.ports import P90Costs

    # the very catalogue the runtime's guard sizes with (container.execution: measured broker p90s
    # when a usable metrics file exists, the placeholders otherwise) and the fill costs its paper
    # broker draws, so both cost a trade alike
    return P90Costs(instruments, fill_costs)


def _paper_broker_for(fill_costs: FillCosts) -> Callable[[Instruments], Broker]:
    from adapters.brokers.paper import PaperBroker

    def broker_for(instruments: Instruments) -> Broker:
        return PaperBroker(instruments, fill_costs)

    return broker_for


def _candle_loader() -> Callable[[list[Path], list[Pair]], Mapping[Pair, Ohlcv]]:
    from adapters.files import OhlcvCsvReader, candle_files
    from adapters.replay import MemoryCandleStore
    from application.data.replay_files import load_replay_files

    def load(paths: list[Path], pairs: list[Pair]) -> Mapping[Pair, Ohlcv]:
        # the same readers as the runtime's replay source (container.runtime), so both see the same candles
        files = candle_files(paths, pairs)
        store = MemoryCandleStore()
        load_replay_files(files, OhlcvCsvReader(), store)
        return {pair: store.load(pair) for pair in pairs if pair in files}

    return load


class BacktestContainer(containers.DeclarativeContainer):
    settings: providers.Dependency[Settings] = providers.Dependency(instance_of=Settings)

    # the registry's served models (container root: built only when predictor=torch)
    trained: providers.Dependency[BulkPredictor] = providers.Dependency()

    predictor: providers.Selector[BulkPredictor] = providers.Selector(
        providers.Callable(lambda s: s.predictor.name, settings),
        baseline=providers.Singleton(_baseline),
        random=providers.Singleton(_random, settings),
        torch=trained,
    )
    baselines: providers.Singleton[Mapping[str, BulkPredictor]] = providers.Singleton(_baselines, settings)
    instruments: providers.Dependency[Instruments] = providers.Dependency(instance_of=Instruments)
    fill_costs: providers.Dependency[FillCosts] = providers.Dependency(instance_of=FillCosts, default=FillCosts())
    costs: providers.Singleton[CostModel] = providers.Singleton(_costs, instruments, fill_costs)
    broker_for: providers.Singleton[Callable[[Instruments], Broker]] = providers.Singleton(_paper_broker_for,
                                                                                         fill_costs)
    candle_loader: providers.Singleton[Callable[[list[Path], list[Pair]], Mapping[Pair, Ohlcv]]] = (
        providers.Singleton(_candle_loader))
    timer: providers.Object[Callable[[], float]] = providers.Object(time.perf_counter)
