"""Use case: train a model on a stored feature set, honestly.

1. The feature set (the newest when none is named), its pairs and its label horizon; the periods
   (default, explicit or rolling) checked for coverage on every pair; a set whose normalizer was
   fitted on rows of the validation or test period is refused.
2. Samples per period as end rows into one feature matrix (``samples``).
3. The trainer fits on the training samples; early stopping reads the validation loss only.
4. The calibration map is fitted on validation probabilities; validation figures are measured
   (with out-of-fold calibrated probabilities when the map is applied).
5. Only then is the test period predicted, once, and measured. Nothing after it chooses anything.
6. The model and its card are written (atomically, card last) and the run is appended to the log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs
import numpy as np

from application.features.ports import FeatureStore, PairFeatures
from application.models.training.calibrate import CalibrationFit, calibrate
from application.models.training.cards import draft_card, run_row
from application.models.training.leakage import LeakageEvidence, not_run
from application.models.training.metrics import Baselines, Outputs, baselines, period_metrics
from application.models.training.periods import (
    TEST,
    TRAIN,
    VALIDATION,
    PlannedSplit,
    SplitOptions,
    TrainingInputError,
    plan_split,
)
from application.models.training.ports import (
    EpochRecord,
    ModelFiles,
    ModelTrainer,
    RunLog,
    ScalarLog,
    TrainedModel,
    TrainingObserver,
    TrainingPlan,
)
from application.models.training.samples import FeatureMatrix, SampleSet, build_matrix, period_samples
from application.models.training.synthetic import SyntheticTraining, mixed_matrix, real_rows_only, with_synthetic
from domain.models.cards import ModelCard, ModelKind
from domain.signals.confidence import CalibrationMethod, CalibrationPolicy
from domain.signals.signal import TierThresholds

LeakageProbe = Callable[[Mapping[str, Any], Sequence[str]], LeakageEvidence]


@attrs.frozen
class TrainRequest:
    kind: ModelKind
    pairs: tuple[str, ...]
    params: Mapping[str, Any]  # hidden, layers, heads, dropout, epochs, batch, lr, weight_decay, patience, ...
    window: int = 60
    seed: int = 0
    device: str = "cpu"
    feature_set: str | None = None  # None: the newest
    split: SplitOptions = attrs.Factory(SplitOptions)
    stride: int = 1
    max_samples: int | None = None  # per period
    calibration: CalibrationMethod | None = None  # None: chosen on validation
    policy: CalibrationPolicy = attrs.Factory(CalibrationPolicy)
    thresholds: TierThresholds = attrs.Factory(TierThresholds)
    synthetic: SyntheticTraining | None = None  # GAN rows in the training split only (off by default)

    def __attrs_post_init__(self) -> None:
        if not self.pairs:
            raise TrainingInputError("--pairs: name at least one pair")
        if len(set(self.pairs)) != len(self.pairs):
            raise TrainingInputError(f"--pairs: {', '.join(self.pairs)} names a pair twice")
        if self.kind is ModelKind.LSTM and len(self.pairs) != 1:
            raise TrainingInputError(f"--pair: an LSTM is trained per coin, got {', '.join(self.pairs)}")
        if self.window < 1:
            raise TrainingInputError(f"--window must be at least 1 bar, got {self.window}")
        if self.max_samples is not None and self.max_samples < 1:
            raise TrainingInputError(f"--max-samples must be at least 1, got {self.max_samples}")


@attrs.frozen
class TrainReport:
    card: ModelCard
    location: str
    history: tuple[EpochRecord, ...]
    best_epoch: int
    device: str
    seconds: float
    samples: dict[str, dict[str, int]]  # period -> pair -> samples
    baselines: dict[str, str]
    leakage: LeakageEvidence
    runs_log: str
    windows_considered: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.card.name, "location": self.location, "card": self.card.as_dict(),
                "best_epoch": self.best_epoch, "epochs_run": len(self.history), "device": self.device,
                "seconds": round(self.seconds, 3), "samples": self.samples, "baselines": self.baselines,
                "leakage": self.leakage.as_dict(), "runs_log": self.runs_log,
                "history": [attrs.asdict(r) for r in self.history]}


class TrainModel:
    def __init__(self, features: FeatureStore, trainer: ModelTrainer, files: ModelFiles, runs: RunLog,
                 scalars: ScalarLog | None = None, leakage: LeakageProbe | None = None,
                 code_version: str = "unknown") -> None:
        self._features = features
        self._trainer = trainer
        self._files = files
        self._runs = runs
        self._scalars = scalars
        self._leakage = leakage
        self._code_version = code_version

    def __call__(self, request: TrainRequest, now: datetime, observer: TrainingObserver) -> TrainReport:
        started = time.perf_counter()
        name = request.feature_set or newest_set(self._features)
        manifest = self._features.manifest(name)
        _require_pairs(name, manifest, request.pairs)
        horizon = int(manifest["label_spec"]["horizon"])
        tables = _tables(self._features.load(name), request.pairs)
        planned = plan_split(request.split, {t.pair.symbol: t.open_time_ms for t in tables},
                             timedelta(minutes=horizon))
        _require_fit_before_validation(name, manifest, planned)
        mixed = None if request.synthetic is None else mixed_matrix(request.synthetic, self._features, tables,
                                                                    manifest["features"], request.window)
        matrix = build_matrix(tables, manifest["features"], request.window) if mixed is None else mixed.matrix
        del tables  # the matrix holds what training reads
        drawable = matrix if mixed is None else real_rows_only(mixed)
        sets = {p.name: period_samples(drawable, p, request.stride, request.max_samples)
                for p in planned.split.periods}
        _require_samples(sets, matrix)
        leakage = self._leakage(manifest, request.pairs) if self._leakage else not_run("no candle store given")
        base = baselines(matrix, sets[TRAIN], manifest, horizon)  # on real training rows only
        recorded: dict[str, Any] = {}
        if mixed is not None and request.synthetic is not None:
            sets, recorded = with_synthetic(mixed, sets, TRAIN, request.synthetic, request.seed)
        params = {**request.params, "window": request.window, "n_features": len(matrix.features),
                  "n_pairs": len(matrix.pairs), "stride": request.stride, "max_samples": request.max_samples,
                  "momentum_baseline": base.momentum_column, **recorded}
        draft = draft_card(request.kind, request.pairs, manifest, name, request.window, params, request.seed,
                           planned.split, self._code_version, now)
        model = self._fit(request, draft, matrix, sets, observer)
        fitted, validation = self._validate(request, model, matrix, sets[VALIDATION], base, horizon)
        # the test period, once, after every choice was made (a retrain on the latest data has none)
        measured = {VALIDATION: validation}
        if TEST in sets:
            test_out = model.predict(matrix, sets[TEST])
            measured[TEST] = period_metrics(matrix, sets[TEST], Outputs(test_out.p_up, fitted.transform(test_out.p_up),
                                                                        test_out.trend), base, request.thresholds,
                                            horizon)
        seconds = time.perf_counter() - started
        training = {"best_epoch": float(model.best_epoch), "epochs_run": float(len(model.history)),
                    "seconds": seconds, **_losses(model.history, model.best_epoch)}
        card = attrs.evolve(draft, metrics={**measured, "training": training},
                            calibration=fitted.as_card(), leakage_passed=leakage.passed)
        card = self._files.save(card, model)
        self._runs.append(run_row(card, model.device, model.best_epoch, len(model.history), seconds))
        return TrainReport(card, self._files.location(card.name), tuple(model.history), model.best_epoch,
                           model.device, seconds, {k: s.counts(matrix) for k, s in sets.items()}, base.describe(),
                           leakage, self._runs.location(), planned.windows_considered)

    def _fit(self, request: TrainRequest, draft: ModelCard, matrix: FeatureMatrix, sets: Mapping[str, SampleSet],
             observer: TrainingObserver) -> TrainedModel:
        plan = TrainingPlan(request.kind, draft.params, request.seed, request.device)
        watched = _Scalars(observer, self._scalars, draft.name) if self._scalars else observer
        try:
            return self._trainer.fit(plan, matrix, sets[TRAIN], sets[VALIDATION], watched)
        finally:
            if self._scalars:
                self._scalars.close()

    def _validate(self, request: TrainRequest, model: TrainedModel, matrix: FeatureMatrix, samples: SampleSet,
                  base: Baselines, horizon: int) -> tuple[CalibrationFit, dict[str, float]]:
        out = model.predict(matrix, samples)
        fitted = calibrate(out.p_up, matrix.up[samples.rows].astype(np.float64), request.policy, request.calibration)
        served = fitted.validation_probabilities if fitted.applied else out.p_up
        return fitted, period_metrics(matrix, samples, Outputs(out.p_up, served, out.trend), base,
                                      request.thresholds, horizon)


class _Scalars(TrainingObserver):
    """Forwards to the observer and writes each epoch's scalars to the scalar log."""

    def __init__(self, inner: TrainingObserver, log: ScalarLog, run: str) -> None:
        self._inner, self._log, self._run = inner, log, run

    def epoch_started(self, epoch: int, epochs: int, batches: int) -> None:
        self._inner.epoch_started(epoch, epochs, batches)

    def batch_done(self, batch: int, loss: float) -> None:
        self._inner.batch_done(batch, loss)

    def epoch_done(self, record: EpochRecord) -> None:
        self._inner.epoch_done(record)
        self._log.write(self._run, record.epoch, record.scalars())


def newest_set(store: FeatureStore) -> str:
    """The set built last (by its manifest's build time, then name)."""
    names = store.names()
    if not names:
        raise TrainingInputError("no feature set found (--features-dir): build one with `tradeai features build`")
    return max(names, key=lambda n: (str(store.manifest(n).get("built_at", "")), n))


def _require_pairs(name: str, manifest: Mapping[str, Any], pairs: Sequence[str]) -> None:
    held = list(manifest.get("pairs", {}))
    missing = [p for p in pairs if p not in held]
    if missing:
        raise TrainingInputError(f"{', '.join(missing)} not in feature set {name} (it holds {', '.join(held)})")


def _tables(tables: Sequence[PairFeatures], pairs: Sequence[str]) -> list[PairFeatures]:
    by_pair = {t.pair.symbol: t for t in tables}
    return [by_pair[p] for p in pairs]


def _require_fit_before_validation(name: str, manifest: Mapping[str, Any], planned: PlannedSplit) -> None:
    """A normalizer fitted on validation or test rows would hand the model their mean and spread."""
    fit_end = datetime.fromisoformat(manifest["fit_window"]["end"])
    validation = planned.period(VALIDATION)
    if fit_end > validation.start:
        raise TrainingInputError(
            f"feature set {name} was normalized on rows up to {fit_end:%Y-%m-%d %H:%M}, inside the validation "
            f"period from {validation.start:%Y-%m-%d %H:%M}; rebuild it with --fit-end at or before the "
            f"validation start, or train on later periods")


def _require_samples(sets: Mapping[str, SampleSet], matrix: FeatureMatrix) -> None:
    empty = [f"{period} ({s.period.start:%Y-%m-%d %H:%M} -> {s.period.end:%Y-%m-%d %H:%M}) for {pair}"
             for period, s in sets.items() for pair, n in s.counts(matrix).items() if n == 0]
    if empty:
        raise TrainingInputError(f"no samples (a full window of {matrix.window} bars and a label) in "
                                 + "; ".join(empty))


def _losses(history: Sequence[EpochRecord], best: int) -> dict[str, float]:
    kept = [r for r in history if r.epoch == best]
    if not kept:
        return {}
    values = {"train_loss": kept[0].train_loss, "validation_loss": kept[0].validation_loss}
    return {k: v for k, v in values.items() if np.isfinite(v)}
