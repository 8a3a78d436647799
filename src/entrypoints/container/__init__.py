"""The composition root: one container, built from the settings, composed of one sub-container per
context (data, features, execution, backtest, reports, store, runtime). Each provider is typed by the
port it serves; only the adapter a command asks for is built, and the settings choose which one (providers.Selector).
Tests override providers with fakes, e.g. ``container.runtime().predictor.override(fake)``; the
runtime's risk book and controls are the store's, so ``container.store().risk_book.override(fake)``
reaches the runtime too."""

from __future__ import annotations

from collections.abc import Callable

from dependency_injector import containers, providers

from application.backtest.ports import CostModel
from application.data.ports import CandleStore
from application.features.ports import FeatureCalculator, FeatureStore
from application.models.ports import TrainedPredictor, ValidationEvidence
from application.runtime.ports import Broker
from domain.execution.instruments import Instruments
from entrypoints.container.backtest import BacktestContainer
from entrypoints.container.bot import BotContainer
from entrypoints.container.data import DataContainer
from entrypoints.container.execution import ExecutionContainer, LoadedExecution
from entrypoints.container.features import FeaturesContainer
from entrypoints.container.registry import RegistryContainer, registry_store
from entrypoints.container.reports import ReportsContainer
from entrypoints.container.runtime import RuntimeContainer
from entrypoints.container.store import StoreContainer
from entrypoints.container.training import TrainingContainer
from entrypoints.settings import Settings

__all__ = ["BacktestContainer", "BotContainer", "Container", "DataContainer", "ExecutionContainer", "FeaturesContainer",
           "LoadedExecution", "RegistryContainer", "ReportsContainer", "RuntimeContainer", "StoreContainer",
           "TrainingContainer", "account_name", "build_container"]


def account_name(settings: Settings) -> str:
    """Replays keep their paper account apart from the one the live clock runs on."""
    return "replay" if settings.candles.source == "replay" else settings.mode


def _trained(settings: Settings, features: FeatureStore, calculator: FeatureCalculator) -> TrainedPredictor:
    from entrypoints.model_serving import predictor_from_settings

    return predictor_from_settings(settings, registry_store(settings), features, calculator)


def _validation(settings: Settings, candle_store: CandleStore, feature_store: FeatureStore,
                calculator: FeatureCalculator, costs: CostModel, broker_for: Callable[[Instruments], Broker],
                timer: Callable[[], float]) -> ValidationEvidence:
    from entrypoints.validation_backtest import BacktestParts, BacktestValidation

    return BacktestValidation(settings, BacktestParts(candle_store, feature_store, calculator, costs, broker_for,
                                                      timer))


class Container(containers.DeclarativeContainer):
    settings: providers.Dependency[Settings] = providers.Dependency(instance_of=Settings)
    account_name: providers.Callable[str] = providers.Callable(account_name, settings)

    data: providers.Container[DataContainer] = providers.Container(DataContainer, settings=settings)
    features: providers.Container[FeaturesContainer] = providers.Container(FeaturesContainer, settings=settings)
    execution: providers.Container[ExecutionContainer] = providers.Container(ExecutionContainer, settings=settings)
    reports: providers.Container[ReportsContainer] = providers.Container(ReportsContainer)
    training: providers.Container[TrainingContainer] = providers.Container(TrainingContainer, settings=settings)
    store: providers.Container[StoreContainer] = providers.Container(StoreContainer, settings=settings,
                                                                       account=account_name)
    # the registry's served models (predictor=torch), built on first use: the runtime and the backtest share it
    trained: providers.Singleton[TrainedPredictor] = providers.Singleton(
        _trained, settings, features.feature_store, features.calculator)
    backtest: providers.Container[BacktestContainer] = providers.Container(
        BacktestContainer, settings=settings, instruments=execution.instruments, fill_costs=execution.fill_costs,
        trained=trained)
    # what promotion's challenge gate reads: the candidate backtested over its validation period
    validation: providers.Singleton[ValidationEvidence] = providers.Singleton(
        _validation, settings, data.candle_store, features.feature_store, features.calculator, backtest.costs,
        backtest.broker_for, backtest.timer)
    registry: providers.Container[RegistryContainer] = providers.Container(
        RegistryContainer, settings=settings, engine=store.upgraded_engine, validation_evidence=validation)
    runtime: providers.Container[RuntimeContainer] = providers.Container(
        RuntimeContainer, settings=settings, account_name=account_name, risk_book=store.risk_book,
        control_repository=store.control_repository, pattern_repository=store.recording_patterns,
        outbox=store.outbox, order_intents=store.order_intents,
        instruments=execution.instruments,
        fill_costs=execution.fill_costs, trained=trained,
    )
    # the trader's Telegram bot, over the store context
    bot: providers.Container[BotContainer] = providers.Container(
        BotContainer, settings=settings, account_name=account_name, risk_book=store.risk_book,
        control_repository=store.control_repository, performance_queries=store.performance_queries,
        pattern_repository=store.pattern_repository, retrain_requests=store.retrain_requests)


def build_container(settings: Settings) -> Container:
    container = Container()
    container.settings.override(settings)
    return container
