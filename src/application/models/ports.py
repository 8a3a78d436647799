"""Ports of the models context: the predictor the runtime asks, the record of deployments, and
the model registry's store and the validation evidence its promotion reads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import attrs

from application.backtest.ports import BulkPredictor
from domain.market.candles import CandleWindow, Pair
from domain.models.cards import ModelCard
from domain.models.deployments import ModelDeployment
from domain.models.registry import Registry, RegistryEntry
from domain.signals.signal import Prediction

if TYPE_CHECKING:  # evaluate imports the backtest, which imports this module's Predictor
    from application.evaluation.evaluate import ChallengeEvidence


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


@runtime_checkable
class ScanPredictor(Predictor, Protocol):
    """A predictor that answers a whole scan at once (the runtime asks it when it offers this)."""

    def predict_scan(self, windows: Mapping[Pair, CandleWindow]) -> dict[Pair, Prediction | None]:
        """``predict`` of each window, computed together: every key of ``windows`` answered. A
        caller falls back to ``predict`` per pair when this raises, so one window cannot deny the rest."""
        ...


class TrainedPredictor(Predictor, BulkPredictor, Protocol):
    """The served models: one window for the runtime, a whole series for the backtest."""


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


class ModelFileError(Exception):
    """A model file (weights or card) is missing, unreadable, outside the models folder, or not the
    one its card or the registry says; the message names the file."""


class RegistryFileError(Exception):
    """The registry file cannot be read or written; the message names it."""


@attrs.frozen
class ModelFile:
    """A weights file in the models folder with the card beside it, as found on disk."""

    card: ModelCard
    file: str  # the weights' file name in the models folder
    sha256: str  # of the weights, measured now
    card_sha256: str  # of the card file, measured now


class RegistryStore(Protocol):
    def locked(self) -> AbstractContextManager[None]:
        """Hold the registry for one change (load, check, save) against another process doing the same."""
        ...

    def load(self) -> Registry:
        """The registry as saved (empty when none was); RegistryFileError when it cannot be read."""
        ...

    def save(self, registry: Registry) -> None:
        """Write the registry whole (a reader sees the old one or the new one), then point every
        promoted role at its tag's weights."""
        ...

    def inspect(self, path: str) -> ModelFile:
        """The weights at ``path`` and the card beside them, with both files' sha256."""
        ...

    def verify(self, entry: RegistryEntry) -> ModelCard:
        """The entry's card, once the weights and the card on disk are checked to be the ones
        registered; ModelFileError naming the file that changed or went missing."""
        ...

    def location(self, entry: RegistryEntry) -> str:
        """Where the entry's weights are (what a deployment row records)."""
        ...


@attrs.frozen
class NoEvidence:
    """No challenge evidence for the model, and why; the challenge gate then does not run, which
    is not a pass."""

    reason: str


class ValidationEvidence(Protocol):
    def challenge(self, card: ModelCard, weights: str) -> ChallengeEvidence | NoEvidence:
        """The simulated challenges of a backtest of the model (``weights``, described by ``card``)
        over its validation period, never its test period."""
        ...
