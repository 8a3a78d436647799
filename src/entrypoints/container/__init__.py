"""The composition root: one container, built from the settings, composed of one sub-container per
context (data, features, execution, backtest, reports, store, runtime). Each provider is typed by the
port it serves; only the adapter a command asks for is built, and the settings choose which one (providers.Selector).
Tests override providers with fakes, e.g. ``container.runtime().predictor.override(fake)``; the
runtime's risk book and controls are the store's, so ``container.store().risk_book.override(fake)``
reaches the runtime too."""

from __future__ import annotations

from dependency_injector import containers, providers

from entrypoints.container.backtest import BacktestContainer
from entrypoints.container.data import DataContainer
from entrypoints.container.execution import ExecutionContainer, LoadedExecution
from entrypoints.container.features import FeaturesContainer
from entrypoints.container.registry import RegistryContainer
from entrypoints.container.reports import ReportsContainer
from entrypoints.container.runtime import RuntimeContainer
from entrypoints.container.store import StoreContainer
from entrypoints.container.training import TrainingContainer
from entrypoints.settings import Settings

__all__ = ["BacktestContainer", "Container", "DataContainer", "ExecutionContainer", "FeaturesContainer",
           "LoadedExecution", "RegistryContainer", "ReportsContainer", "RuntimeContainer", "StoreContainer",
           "TrainingContainer", "account_name", "build_container"]


def account_name(settings: Settings) -> str:
    """Replays keep their paper account apart from the one the live clock runs on."""
    return "replay" if settings.candles.source == "replay" else settings.mode


class Container(containers.DeclarativeContainer):
    settings: providers.Dependency[Settings] = providers.Dependency(instance_of=Settings)
    account_name: providers.Callable[str] = providers.Callable(account_name, settings)

    data: providers.Container[DataContainer] = providers.Container(DataContainer, settings=settings)
    features: providers.Container[FeaturesContainer] = providers.Container(FeaturesContainer, settings=settings)
    execution: providers.Container[ExecutionContainer] = providers.Container(ExecutionContainer, settings=settings)
    backtest: providers.Container[BacktestContainer] = providers.Container(
        BacktestContainer, settings=settings, instruments=execution.instruments, fill_costs=execution.fill_costs)
    reports: providers.Container[ReportsContainer] = providers.Container(ReportsContainer)
    training: providers.Container[TrainingContainer] = providers.Container(TrainingContainer, settings=settings)
    store: providers.Container[StoreContainer] = providers.Container(StoreContainer, settings=settings,
                                                                       account=account_name)
    registry: providers.Container[RegistryContainer] = providers.Container(
        RegistryContainer, settings=settings, engine=store.upgraded_engine)
    runtime: providers.Container[RuntimeContainer] = providers.Container(
        RuntimeContainer, settings=settings, account_name=account_name, risk_book=store.risk_book,
        control_repository=store.control_repository, instruments=execution.instruments,
        fill_costs=execution.fill_costs,
    )


def build_container(settings: Settings) -> Container:
    container = Container()
    container.settings.override(settings)
    return container
