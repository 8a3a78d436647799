"""Use case: the ablation. The same model (an LSTM with fixed settings) is trained with 0 %, 10 %
and 20 % synthetic rows in its training split, for each seed, and measured on the same real
validation period. Synthetic rows are picked by their tag, only ever into the training split;
validation holds real rows only (checked, not assumed). The test period is not read.

"Helps" needs the validation log loss to fall below the 0 % arm's by more than twice the
standard error of the per-seed differences, with accuracy not lower; otherwise the verdict says
no measurable effect (or hurts, when the loss rises by that margin).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Any

import attrs
import numpy as np

from application.features.ports import FeatureStore, PairFeatures
from application.models.training.periods import TRAIN, VALIDATION, SplitOptions, plan_split
from application.models.training.ports import ModelTrainer, TrainingObserver, TrainingPlan
from application.models.training.samples import FeatureMatrix, SampleSet, build_matrix, period_samples
from application.research.gan_data import GanInputError
from domain.models.cards import ModelKind
from domain.research.synthetic import DEFAULT_MAX_SHARE, SyntheticMix, require_real

DEFAULT_MODEL: dict[str, Any] = {"hidden": 16, "layers": 1, "dropout": 0.0, "epochs": 4, "batch": 256, "lr": 1e-3,
                                 "weight_decay": 1e-4, "patience": 2}


@attrs.frozen
class AblationRequest:
    real_set: str
    synthetic_set: str
    pair: str
    split: SplitOptions
    shares: tuple[float, ...] = (0.0, 0.10, 0.20)
    seeds: tuple[int, ...] = (0, 1, 2)
    window: int = 30
    max_samples: int | None = 20_000  # real training samples (evenly spaced); validation alike
    params: Mapping[str, Any] = attrs.Factory(lambda: dict(DEFAULT_MODEL))
    max_share: float = DEFAULT_MAX_SHARE  # the cap setting; a 20 % arm needs it raised to 0.20

    def __attrs_post_init__(self) -> None:
        if 0.0 not in self.shares:
            raise GanInputError("--shares must include 0 (the real-only arm every other arm is compared with)")
        if not self.seeds:
            raise GanInputError("--seeds: name at least one seed")
        self.mixes()  # a share above the hard limit is refused before anything is read

    def mixes(self) -> list[SyntheticMix]:
        """One mix per arm, each within the cap (which is itself refused above 20 %)."""
        return [SyntheticMix(share, self.max_share) for share in self.shares]


@attrs.frozen
class MixedMatrix:
    """Real and synthetic rows in one feature matrix; ``synthetic`` marks the tagged rows."""

    matrix: FeatureMatrix
    synthetic: np.ndarray  # bool per row
    generator_version: str


def mix_matrix(real: PairFeatures, synthetic: PairFeatures, features: Sequence[str], window: int) -> MixedMatrix:
    version = _require_tagged(synthetic)
    if real.tags.get("synthetic") is not None and bool(np.any(real.tags["synthetic"])):
        raise GanInputError("the real feature set holds synthetic rows")
    built = build_matrix([real, synthetic], features, window)
    # one pair for the model: it must not tell real from synthetic by a pair index
    matrix = attrs.evolve(built, pairs=(real.pair.symbol,), pair_index=np.zeros(len(built), dtype=np.int32))
    return MixedMatrix(matrix, np.concatenate([np.zeros(len(real), bool), np.ones(len(synthetic), bool)]), version)


def training_samples(mixed: MixedMatrix, real_train: SampleSet, mix: SyntheticMix, seed: int) -> SampleSet:
    """The real training samples plus ``mix.share`` of the training set in synthetic samples,
    drawn with ``seed`` from the tagged rows with a full window and a valid label."""
    wanted = mix.rows_for(len(real_train))
    if wanted == 0:
        return real_train
    m = mixed.matrix
    candidates = np.flatnonzero(mixed.synthetic & m.window_ends & m.labelled)
    if len(candidates) < wanted:
        raise GanInputError(f"the synthetic set holds {len(candidates)} usable rows, {wanted} are needed for a "
                            f"{mix.share:.0%} share; sample more paths (--paths)")
    drawn = np.random.default_rng(seed).choice(candidates, wanted, replace=False)
    return SampleSet(real_train.period, np.sort(np.concatenate([real_train.rows, drawn])))


@attrs.frozen
class ArmRun:
    share: float
    seed: int
    real_rows: int
    synthetic_rows: int
    validation_rows: int
    accuracy: float
    log_loss: float
    brier: float


@attrs.frozen
class AblationReport:
    pair: str
    generator_version: str
    periods: dict[str, list[str]]
    runs: tuple[ArmRun, ...]
    majority_accuracy: float  # always predicting the training split's more frequent class
    max_share: float  # the cap the arms ran under

    def arms(self) -> dict[float, dict[str, float]]:
        out: dict[float, dict[str, float]] = {}
        base = {r.seed: r for r in self.runs if r.share == 0.0}
        for share in sorted({r.share for r in self.runs}):
            runs = [r for r in self.runs if r.share == share]
            delta = np.array([r.log_loss - base[r.seed].log_loss for r in runs])
            delta_acc = np.array([r.accuracy - base[r.seed].accuracy for r in runs])
            se = float(delta.std(ddof=1) / np.sqrt(len(delta))) if len(delta) > 1 else float("nan")
            out[share] = {"accuracy": float(np.mean([r.accuracy for r in runs])),
                          "accuracy_sd": float(np.std([r.accuracy for r in runs])),
                          "log_loss": float(np.mean([r.log_loss for r in runs])),
                          "log_loss_sd": float(np.std([r.log_loss for r in runs])),
                          "brier": float(np.mean([r.brier for r in runs])),
                          "delta_log_loss": float(delta.mean()), "delta_log_loss_se": se,
                          "delta_accuracy": float(delta_acc.mean()), "synthetic_rows": float(runs[0].synthetic_rows),
                          "real_rows": float(runs[0].real_rows)}
        return out

    def verdicts(self) -> dict[float, str]:
        out = {}
        for share, arm in self.arms().items():
            if share == 0.0:
                continue
            if not np.isfinite(arm["delta_log_loss_se"]):
                out[share] = "undecided (one seed: no spread to judge by)"
                continue
            margin = 2 * arm["delta_log_loss_se"]
            if arm["delta_log_loss"] < -margin and arm["delta_accuracy"] >= 0:
                out[share] = "helps"
            elif arm["delta_log_loss"] > margin:
                out[share] = "hurts"
            else:
                out[share] = "no measurable effect"
        return out

    def conclusion(self) -> str:
        verdicts = self.verdicts()
        helped = [s for s, v in verdicts.items() if v == "helps"]
        parts = "; ".join(f"{s:.0%}: {v}" for s, v in verdicts.items())
        if all(v.startswith("undecided") for v in verdicts.values()):
            return (f"Cannot tell whether synthetic data helps ({parts}): run two seeds or more. It stays off by "
                    "default.")
        if helped:
            return (f"Synthetic data helps on this validation period ({parts}); it stays off by default until a "
                    "test-period check and more seeds confirm it.")
        return f"Synthetic data does not help on this validation period ({parts}); it stays off by default."

    def as_dict(self) -> dict[str, Any]:
        return {"pair": self.pair, "generator_version": self.generator_version, "periods": self.periods,
                "majority_accuracy": self.majority_accuracy, "max_synthetic_share": self.max_share,
                "runs": [attrs.asdict(r) for r in self.runs],
                "arms": {f"{s:.2f}": a for s, a in self.arms().items()},
                "verdicts": {f"{s:.2f}": v for s, v in self.verdicts().items()}, "conclusion": self.conclusion()}


class RunAblation:
    def __init__(self, features: FeatureStore, trainer: ModelTrainer) -> None:
        self._features, self._trainer = features, trainer

    def __call__(self, request: AblationRequest, observer: TrainingObserver) -> AblationReport:
        manifest = self._features.manifest(request.real_set)
        real, synthetic = self._table(request.real_set, request.pair), self._table(request.synthetic_set, request.pair)
        mixed = mix_matrix(real, synthetic, manifest["features"], request.window)
        horizon = int(manifest["label_spec"]["horizon"])
        planned = plan_split(request.split, {request.pair: real.open_time_ms}, timedelta(minutes=horizon))
        # periods are drawn from real rows alone (synthetic ones borrow real training minutes)
        real_only = attrs.evolve(mixed.matrix, labelled=mixed.matrix.labelled & ~mixed.synthetic)
        sets = {p: period_samples(real_only, planned.period(p), 1, request.max_samples) for p in (TRAIN, VALIDATION)}
        require_real(VALIDATION, int(np.count_nonzero(mixed.synthetic[sets[VALIDATION].rows])))
        runs = [self._arm(request, mixed, sets, mix, seed, observer) for mix in request.mixes()
                for seed in request.seeds]
        up_share = float(mixed.matrix.up[sets[TRAIN].rows].mean())
        truth = mixed.matrix.up[sets[VALIDATION].rows]
        majority = float(np.mean(truth == (1.0 if up_share >= 0.5 else 0.0)))
        periods = {p: [planned.period(p).start.isoformat(), planned.period(p).end.isoformat()]
                   for p in (TRAIN, VALIDATION)}
        return AblationReport(request.pair, mixed.generator_version, periods, tuple(runs), majority, request.max_share)

    def _table(self, name: str, pair: str) -> PairFeatures:
        for table in self._features.load(name):
            if table.pair.symbol == pair:
                return table
        raise GanInputError(f"feature set {name} holds no {pair}")

    def _arm(self, request: AblationRequest, mixed: MixedMatrix, sets: Mapping[str, SampleSet], mix: SyntheticMix,
             seed: int, observer: TrainingObserver) -> ArmRun:
        train = training_samples(mixed, sets[TRAIN], mix, seed)
        validation = sets[VALIDATION]
        require_real(VALIDATION, int(np.count_nonzero(mixed.synthetic[validation.rows])))
        synthetic_rows = int(np.count_nonzero(mixed.synthetic[train.rows]))
        params = {**DEFAULT_MODEL, **request.params, "window": request.window,
                  "n_features": len(mixed.matrix.features), "n_pairs": 1, "synthetic_share": mix.share,
                  "synthetic_rows": synthetic_rows, "generator_version": mixed.generator_version}
        model = self._trainer.fit(TrainingPlan(ModelKind.LSTM, params, seed), mixed.matrix, train, validation,
                                  observer)
        p = np.clip(model.predict(mixed.matrix, validation).p_up, 1e-7, 1 - 1e-7)
        y = mixed.matrix.up[validation.rows].astype(np.float64)
        return ArmRun(mix.share, seed, len(train) - synthetic_rows, synthetic_rows, len(validation),
                      float(np.mean((p >= 0.5) == (y == 1))),
                      float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))), float(np.mean((p - y) ** 2)))


def _require_tagged(table: PairFeatures) -> str:
    """Every row synthetic and from one generator, or the set is refused."""
    flags, versions = table.tags.get("synthetic"), table.tags.get("generator_version")
    if flags is None or versions is None:
        raise GanInputError("the synthetic feature set carries no synthetic/generator_version tags; "
                            "make it with `tradeai research gan sample`")
    if not bool(np.all(flags)):
        raise GanInputError("the synthetic feature set holds rows not tagged synthetic=True")
    found = sorted({str(v) for v in versions})
    if len(found) != 1:
        raise GanInputError(f"the synthetic feature set mixes generator versions {found}")
    return found[0]
