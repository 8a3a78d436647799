"""The model registry's adapters: the registry in the models folder (``predictor.model_dir``), the
deployments table of the store, the validation evidence promotion reads, and the gates with the
settings' thresholds.

The validation evidence is the root container's backtest of the candidate over its validation
period (entrypoints.validation_backtest); built alone, this container answers that there is none
(``NoValidationBacktest``). Tests override ``validation_evidence`` (or any provider) with a double."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dependency_injector import containers, providers

from application.models.ports import DeploymentRepository, RegistryStore, ValidationEvidence
from application.models.registry import RegistryService, require_servable
from domain.evaluation.gates import Gates
from domain.signals.signal import Mode
from entrypoints.settings import Settings
from entrypoints.settings.domain_config import gates

if TYPE_CHECKING:
    from sqlalchemy import Engine


def registry_store(settings: Settings) -> RegistryStore:
    from adapters.registry import JsonRegistryStore

    return JsonRegistryStore(Path(settings.predictor.model_dir))


def _deployments(engine: Engine) -> DeploymentRepository:
    from adapters.sql import SqlDeploymentRepository

    return SqlDeploymentRepository(engine)


def _evidence() -> ValidationEvidence:
    from adapters.registry import NoValidationBacktest

    return NoValidationBacktest()


def servable_at_boot(store: RegistryStore, settings: Settings) -> tuple[str, ...]:
    """The boot check on the promoted models: UngatedModelError in live mode when one was promoted
    for research; the warnings to log loudly in dry-run."""
    return require_servable(store.load(), Mode(settings.mode))


class RegistryContainer(containers.DeclarativeContainer):
    settings: providers.Dependency[Settings] = providers.Dependency(instance_of=Settings)
    # the store's migrated engine: only promote and rollback open it
    engine: providers.Dependency[Engine] = providers.Dependency()

    registry_store: providers.Singleton[RegistryStore] = providers.Singleton(registry_store, settings)
    deployments: providers.Singleton[DeploymentRepository] = providers.Singleton(_deployments, engine)
    # the root container's validation backtest; tests override it with a double
    validation_evidence: providers.Dependency[ValidationEvidence] = providers.Dependency(
        default=providers.Singleton(_evidence))
    gates: providers.Singleton[Gates] = providers.Singleton(gates, settings)
    service: providers.Factory[RegistryService] = providers.Factory(
        RegistryService, store=registry_store, deployments=deployments, evidence=validation_evidence, gates=gates)
    boot_check: providers.Callable[tuple[str, ...]] = providers.Callable(servable_at_boot, registry_store, settings)
