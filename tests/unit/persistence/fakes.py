"""In-memory fakes of the persistence ports; the SQL contract tests run against them too."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

import attrs

from application.models.ports import DeploymentRepository
from application.runtime.pattern_history import PatternHistory
from application.stats.ports import OutcomeRepository, PerformanceQueries
from domain.models.deployments import ModelDeployment
from domain.signals.signal import Mode
from domain.stats.outcomes import Performance, TradeOutcome
from tests.fakes.ports import InMemorySignalRepository
from tests.fakes.risk_book import close_outcome


class InMemoryPatternRepository(PatternHistory):
    """The runtime's own history in memory (application.runtime.pattern_history), so the contract
    tests hold it to the SQL store's behaviour."""


class InMemoryDeploymentRepository(DeploymentRepository):
    def __init__(self) -> None:
        self._rows: list[ModelDeployment] = []

    def add(self, deployment: ModelDeployment) -> None:
        self._rows.append(deployment)

    def _newest_first(self) -> list[ModelDeployment]:
        indexed = sorted(enumerate(self._rows), key=lambda p: (p[1].deployed_at, p[0]), reverse=True)
        return [d for _, d in indexed]

    def latest(self, include_rolled_back: bool = False) -> ModelDeployment | None:
        return next((d for d in self._newest_first() if include_rolled_back or not d.rolled_back), None)

    def list(self, limit: int | None = None) -> Sequence[ModelDeployment]:
        return self._newest_first()[:limit]

    def mark_rolled_back(self, version: str, reason: str) -> bool:
        if not reason:
            raise ValueError("a rollback needs a reason")
        for deployment in self._newest_first():
            if deployment.version == version and not deployment.rolled_back:
                self._rows[self._rows.index(deployment)] = attrs.evolve(deployment, rollback_reason=reason)
                return True
        return False


class InMemoryRiskBook(OutcomeRepository, PerformanceQueries):
    """Outcomes and aggregates over an InMemorySignalRepository."""

    def __init__(self, signals: InMemorySignalRepository) -> None:
        self._signals = signals
        self._outcomes: dict[str, TradeOutcome] = {}

    def record_outcome(self, outcome: TradeOutcome) -> bool:
        return close_outcome(self._outcomes, self._signals.get(outcome.signal_id) is not None, outcome)

    def _closed(self, since: datetime, until: datetime, mode: Mode | None):
        if since >= until:
            raise ValueError("query window is empty")
        for signal in self._signals.list():
            outcome = self._outcomes.get(signal.signal_id)
            if outcome and since <= signal.created_at < until and mode in (None, signal.mode):
                yield signal, outcome

    def _grouped(self, key, since, until, mode) -> dict[str, Performance]:
        result: dict[str, Performance] = {}
        for signal, outcome in self._closed(since, until, mode):
            k = key(signal)
            result[k] = result.get(k, Performance()).with_trade(outcome.result.value == "W", outcome.r_realized)
        return dict(sorted(result.items()))

    def performance_by_tier(self, since, until, mode=None) -> Mapping[str, Performance]:
        return self._grouped(lambda s: s.tier.value, since, until, mode)

    def performance_by_model(self, since, until, mode=None) -> Mapping[str, Performance]:
        return self._grouped(lambda s: s.model_version, since, until, mode)

    def performance_by_hour(self, since, until, mode=None) -> Mapping[datetime, Performance]:
        return self._grouped(lambda s: s.created_at.replace(minute=0, second=0, microsecond=0), since, until, mode)
