"""Ports of training: the trainer (a deep-learning library), the model files, the run log and the
scalar log. The use case hands the trainer samples as end rows into one feature matrix
(``samples``) and reads back probabilities; it never sees a tensor."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import attrs

from application.models.training.samples import FeatureMatrix, SampleSet
from domain.market.candles import FloatArray
from domain.models.cards import ModelCard, ModelKind


@attrs.frozen
class EpochRecord:
    epoch: int  # from 1
    train_loss: float
    validation_loss: float
    improved: bool  # the best validation loss so far: these weights are kept
    seconds: float
    samples: int  # training samples seen in the epoch

    def scalars(self) -> dict[str, float]:
        return {"loss/train": self.train_loss, "loss/validation": self.validation_loss,
                "throughput/samples_per_second": self.samples / self.seconds if self.seconds > 0 else 0.0}


class TrainingObserver(Protocol):
    """Told how training goes (progress bars, scalar logs); raising KeyboardInterrupt stops it."""

    def epoch_started(self, epoch: int, epochs: int, batches: int) -> None: ...

    def batch_done(self, batch: int, loss: float) -> None: ...

    def epoch_done(self, record: EpochRecord) -> None: ...


class SilentObserver(TrainingObserver):
    def epoch_started(self, epoch: int, epochs: int, batches: int) -> None:
        return None

    def batch_done(self, batch: int, loss: float) -> None:
        return None

    def epoch_done(self, record: EpochRecord) -> None:
        return None


@attrs.frozen
class TrainingPlan:
    """What the trainer builds and how it optimises: ``params`` holds the architecture (window,
    n_features, n_pairs, hidden, layers, heads, dropout) and the optimisation (epochs, batch, lr,
    weight_decay, patience, trend_weight). Early stopping reads the validation loss only."""

    kind: ModelKind
    params: Mapping[str, Any]
    seed: int
    device: str = "cpu"  # cpu | cuda | auto


@attrs.frozen(eq=False)
class ModelOutput:
    p_up: FloatArray  # P(close[t + horizon] > close[t]) per sample
    trend: FloatArray | None = None  # the trend head in [-1, 1], when the model has one


class TrainedModel(Protocol):
    @property
    def history(self) -> Sequence[EpochRecord]: ...

    @property
    def best_epoch(self) -> int:
        """The epoch whose weights were kept (lowest validation loss)."""
        ...

    @property
    def device(self) -> str:
        """Where it was trained (cpu, cuda)."""
        ...

    def predict(self, matrix: FeatureMatrix, samples: SampleSet) -> ModelOutput: ...


class ModelTrainer(Protocol):
    def fit(self, plan: TrainingPlan, matrix: FeatureMatrix, train: SampleSet, validation: SampleSet,
            observer: TrainingObserver) -> TrainedModel: ...


class ModelFiles(Protocol):
    def save(self, card: ModelCard, model: TrainedModel) -> ModelCard:
        """Write ``<name>.pt`` and then ``<name>.json`` (the card with the weights' sha256), each
        atomically; when anything fails or is interrupted, neither is left behind. Returns the
        card as written."""
        ...

    def location(self, name: str) -> str: ...


class RunLog(Protocol):
    def append(self, row: Mapping[str, Any]) -> None:
        """Add one run; earlier rows are never rewritten or lost."""
        ...

    def location(self) -> str: ...


class ScalarLog(Protocol):
    """Per-epoch scalars of a run (TensorBoard, or nothing)."""

    def write(self, run: str, step: int, scalars: Mapping[str, float]) -> None: ...

    def close(self) -> None: ...
