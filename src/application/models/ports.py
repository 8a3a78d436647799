"""Ports of the models context: the predictor the runtime asks, and the record of deployments.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from domain.market.candles import CandleWindow
from domain.models.deployments import ModelDeployment
from domain.signals.signal import Prediction


class Predictor(Protocol):
    @property
    def lookback(self) -> int:
        """How many candles ``predict`` wants."""
        ...

    @property
    def version(self) -> str: ...

    def predict(self, window: CandleWindow) -> Prediction | None:
        """A prediction for the next horizon, or None when the window cannot support one."""
        ...


class DeploymentRepository(Protocol):
    def add(self, deployment: ModelDeployment) -> None: ...

    def latest(self, include_rolled_back: bool = False) -> ModelDeployment | None:
        """The most recently deployed model, skipping rolled-back ones unless asked."""
        ...

    def list(self, limit: int | None = None) -> Sequence[ModelDeployment]:
        """Newest first."""
        ...

    def mark_rolled_back(self, version: str, reason: str) -> bool:
        """Flag the newest live deployment of ``version``; False when there is none."""
        ...
