"""The training loop: AdamW over shuffled mini-batches, early stopping on the validation loss
with patience, the best epoch's weights kept.

Deterministic on CPU: the weights are initialised after ``torch.manual_seed(seed)``, the batches
are shuffled by a numpy Generator of the same seed, dropout draws from torch's seeded generator
and deterministic kernels are asked for; the same seed gives bit-identical weights. Only a batch's
windows are gathered from the feature matrix (``FeatureMatrix.windows``), never the whole set.
"""

from __future__ import annotations

import copy
import math
import os
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.nn import functional

from adapters.torch.networks import TREND, UP, build_network
from application.models.training.ports import (
    EpochRecord,
    ModelOutput,
    ModelTrainer,
    TrainedModel,
    TrainingObserver,
    TrainingPlan,
)
from application.models.training.samples import FeatureMatrix, SampleSet
from domain.models.cards import ModelKind

EVAL_BATCH = 4096
MIN_IMPROVEMENT = 1e-6  # a validation loss must fall by more than this to count as better


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite: nothing is kept."""


def resolve_device(choice: str) -> torch.device:
    """cpu, cuda or auto (cuda when available); ValueError when cuda is asked for and absent."""
    if choice not in ("cpu", "cuda", "auto"):
        raise ValueError(f"--device must be cpu, cuda or auto, got {choice!r}")
    if choice == "cpu" or (choice == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    if not torch.cuda.is_available():
        raise ValueError("--device cuda: no CUDA device is available (use cpu or auto)")
    # cuBLAS is deterministic only with a fixed workspace; set before the first CUDA call
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    return torch.device("cuda")


class TorchModel(TrainedModel):
    def __init__(self, network: nn.Module, kind: ModelKind, history: Sequence[EpochRecord], best_epoch: int,
                 device: torch.device) -> None:
        self.network = network
        self.kind = kind
        self._history = tuple(history)
        self._best_epoch = best_epoch
        self._device = device

    @property
    def history(self) -> Sequence[EpochRecord]:
        return self._history

    @property
    def best_epoch(self) -> int:
        return self._best_epoch

    @property
    def device(self) -> str:
        return self._device.type

    def predict(self, matrix: FeatureMatrix, samples: SampleSet) -> ModelOutput:
        return predict(self.network, matrix, samples.rows, self._device, self.kind is ModelKind.TRANSFORMER)


def predict(network: nn.Module, matrix: FeatureMatrix, rows: np.ndarray, device: torch.device,
            with_trend: bool) -> ModelOutput:
    network.eval()
    ups, trends = [], []
    with torch.no_grad():
        for start in range(0, len(rows), EVAL_BATCH):
            x, pair, _, _ = _batch(matrix, rows[start:start + EVAL_BATCH], device)
            out = network(x, pair)
            ups.append(torch.sigmoid(out[UP]).double().cpu().numpy())
            if with_trend:
                trends.append(out[TREND].double().cpu().numpy())
    p_up = np.concatenate(ups) if ups else np.zeros(0)
    trend = (np.concatenate(trends) if trends else np.zeros(0)) if with_trend else None
    return ModelOutput(p_up, trend)


def _batch(matrix: FeatureMatrix, rows: np.ndarray, device: torch.device) -> tuple[torch.Tensor, ...]:
    x = torch.from_numpy(matrix.windows(rows)).to(device)
    pair = torch.from_numpy(matrix.pair_index[rows].astype(np.int64)).to(device)
    up = torch.from_numpy(matrix.up[rows]).to(device)
    trend = torch.from_numpy(matrix.trend[rows]).to(device)
    return x, pair, up, trend


def _loss(out: dict[str, torch.Tensor], up: torch.Tensor, trend: torch.Tensor, trend_weight: float) -> torch.Tensor:
    loss = functional.binary_cross_entropy_with_logits(out[UP], up)
    if TREND in out:
        loss = loss + trend_weight * functional.mse_loss(out[TREND], trend)
    return loss


class TorchTrainer(ModelTrainer):
    def __init__(self, threads: int | None = None) -> None:
        self._threads = threads

    def fit(self, plan: TrainingPlan, matrix: FeatureMatrix, train: SampleSet, validation: SampleSet,
            observer: TrainingObserver) -> TorchModel:
        if self._threads:
            torch.set_num_threads(self._threads)
        device = resolve_device(plan.device)
        torch.manual_seed(plan.seed)
        torch.use_deterministic_algorithms(True, warn_only=True)
        network = build_network(plan.kind, plan.params).to(device)
        loop = _Loop(network, plan.params, matrix, device, np.random.default_rng(plan.seed))
        history, best_epoch = loop.run(train, validation, observer)
        return TorchModel(network, plan.kind, history, best_epoch, device)


class _Loop:
    def __init__(self, network: nn.Module, params: Any, matrix: FeatureMatrix, device: torch.device,
                 rng: np.random.Generator) -> None:
        self.network, self.matrix, self.device, self.rng = network, matrix, device, rng
        self.epochs, self.batch = int(params["epochs"]), int(params["batch"])
        self.patience = int(params["patience"])
        self.trend_weight = float(params.get("trend_weight", 1.0))
        self.optimizer = torch.optim.AdamW(network.parameters(), lr=float(params["lr"]),
                                           weight_decay=float(params.get("weight_decay", 0.0)))

    def run(self, train: SampleSet, validation: SampleSet, observer: TrainingObserver) -> tuple[list[EpochRecord], int]:
        best_loss, best_epoch, best_state, waited = math.inf, 0, copy.deepcopy(self.network.state_dict()), 0
        history: list[EpochRecord] = []
        for epoch in range(1, self.epochs + 1):
            started = time.perf_counter()
            observer.epoch_started(epoch, self.epochs, math.ceil(len(train) / self.batch))
            train_loss = self._epoch(train.rows, observer)
            validation_loss = self.loss(validation.rows)
            if not (math.isfinite(train_loss) and math.isfinite(validation_loss)):
                raise TrainingDiverged(f"epoch {epoch}: loss became {train_loss} (train), {validation_loss} "
                                       "(validation); lower --lr")
            improved = validation_loss < best_loss - MIN_IMPROVEMENT
            if improved:
                best_loss, best_epoch, waited = validation_loss, epoch, 0
                best_state = copy.deepcopy(self.network.state_dict())
            else:
                waited += 1
            record = EpochRecord(epoch, train_loss, validation_loss, improved, time.perf_counter() - started,
                                 len(train))
            history.append(record)
            observer.epoch_done(record)
            if waited >= self.patience:
                break
        self.network.load_state_dict(best_state)
        return history, best_epoch

    def _epoch(self, rows: np.ndarray, observer: TrainingObserver) -> float:
        self.network.train()
        total, count = 0.0, 0
        for number, batch in enumerate(self._batches(rows[self.rng.permutation(len(rows))]), start=1):
            x, pair, up, trend = _batch(self.matrix, np.sort(batch), self.device)
            self.optimizer.zero_grad(set_to_none=True)
            loss = _loss(self.network(x, pair), up, trend, self.trend_weight)
            loss.backward()  # type: ignore[no-untyped-call]
            nn.utils.clip_grad_norm_(self.network.parameters(), 1.0)
            self.optimizer.step()
            value = float(loss.item())
            total, count = total + value * len(batch), count + len(batch)
            observer.batch_done(number, value)
        return total / count if count else math.nan

    def _batches(self, rows: np.ndarray) -> Iterator[np.ndarray]:
        for start in range(0, len(rows), self.batch):
            yield rows[start:start + self.batch]

    def loss(self, rows: np.ndarray) -> float:
        """The mean validation loss, in evaluation mode (no dropout, no gradient)."""
        self.network.eval()
        total = 0.0
        with torch.no_grad():
            for start in range(0, len(rows), EVAL_BATCH):
                x, pair, up, trend = _batch(self.matrix, rows[start:start + EVAL_BATCH], self.device)
                total += float(_loss(self.network(x, pair), up, trend, self.trend_weight)) * len(x)
        return total / len(rows) if len(rows) else math.nan
