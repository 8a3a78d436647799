"""What a trained model measured on one period, per pair and pooled, against two baselines on the
same samples.

- accuracy: the call (up when P(up) >= 0.5) against the rise over the horizon (a flat close counts
  as not up), with its Wilson 95 % interval. Samples a minute apart share most of their horizon, so
  the interval stands on the effective samples: one per horizon-long bucket of time holding any
  sample (the accuracy itself uses every sample).
- Brier score of P(up), before and after the calibration map; the expected calibration error of
  P(up) (``domain.signals.confidence.calibration_error``); the tier calibration MAE the promotion
  gate reads (``domain.evaluation.calibration``: the confidence of the called direction against
  the call being right, over the samples that reach a tier); it is left out when no sample does.
- baselines: the majority class of the pair's training samples; momentum: up when the pair's last
  ``ret_<horizon>`` log return (de-normalized with the set's normalizer) is positive, down when
  negative, the majority class when flat.
- for a trend model: mean absolute error, correlation and sign agreement against label_efficiency.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np

from application.models.training.samples import FeatureMatrix, SampleSet
from domain.evaluation.calibration import brier, tier_calibration, tier_mae
from domain.evaluation.figures import wilson_interval
from domain.market.candles import MINUTE_MS, FloatArray
from domain.models.cards import CALIBRATION_ERROR, accuracy_key, samples_key
from domain.signals.confidence import calibration_error
from domain.signals.signal import TierThresholds


@attrs.frozen
class Baselines:
    majority_up: dict[str, bool]  # per pair, from its training samples
    momentum_column: str | None  # None when the set has no return column to read
    scale: dict[str, tuple[float, float]]  # per pair: the normalizer's (mean, std) of that column

    def describe(self) -> dict[str, str]:
        majority = ", ".join(f"{p} {'up' if up else 'down'}" for p, up in self.majority_up.items())
        rule = (f"up iff {self.momentum_column} (the last log return, de-normalized) > 0, down iff < 0, "
                "flat -> the majority class") if self.momentum_column else "not available (no return column)"
        return {"majority": f"the training period's majority class per pair ({majority})", "momentum": rule}


def baselines(matrix: FeatureMatrix, train: SampleSet, manifest: Mapping[str, Any], horizon: int) -> Baselines:
    pairs = matrix.pair_index[train.rows]
    up = matrix.up[train.rows]
    majority = {p: bool(up[pairs == i].mean() >= 0.5) if np.any(pairs == i) else True
                for i, p in enumerate(matrix.pairs)}
    column = _momentum_column(matrix.features, horizon)
    scale: dict[str, tuple[float, float]] = {}
    if column is not None:
        for pair in matrix.pairs:
            entry = manifest["pairs"][pair]["normalizer"].get(column)
            if entry is None:
                column, scale = None, {}
                break
            scale[pair] = (float(entry["mean"]), float(entry["std"]))
    return Baselines(majority, column, scale)


def _momentum_column(features: tuple[str, ...], horizon: int) -> str | None:
    windows = sorted(int(name[4:]) for name in features if name.startswith("ret_") and name[4:].isdigit())
    fitting = [w for w in windows if w <= horizon]
    return f"ret_{fitting[-1]}" if fitting else None


def baseline_calls(matrix: FeatureMatrix, samples: SampleSet, base: Baselines) -> tuple[FloatArray, FloatArray | None]:
    """Up (1) or down (0) per sample: the majority class, and momentum (None when unavailable)."""
    pair_of = matrix.pair_index[samples.rows]
    majority = np.array([base.majority_up[p] for p in matrix.pairs], dtype=np.float64)[pair_of]
    if base.momentum_column is None:
        return majority, None
    column = matrix.features.index(base.momentum_column)
    means = np.array([base.scale[p][0] for p in matrix.pairs])[pair_of]
    stds = np.array([base.scale[p][1] for p in matrix.pairs])[pair_of]
    raw = matrix.values[samples.rows, column].astype(np.float64) * stds + means
    flat = np.abs(raw) <= 1e-6 * stds  # float32 storage leaves a zero return a hair off zero
    momentum = np.where(flat, majority, (raw > 0).astype(np.float64))
    return majority, momentum


@attrs.frozen(eq=False)
class Outputs:
    p_raw: FloatArray  # the network's P(up)
    p: FloatArray  # after the calibration (equal to p_raw when none is applied)
    trend: FloatArray | None = None


def period_metrics(matrix: FeatureMatrix, samples: SampleSet, outputs: Outputs, base: Baselines,
                   thresholds: TierThresholds, horizon: int, bins: int = 10) -> dict[str, float]:
    y = matrix.up[samples.rows].astype(np.float64)
    pair_of = matrix.pair_index[samples.rows]
    majority, momentum = baseline_calls(matrix, samples, base)
    calls = (outputs.p >= 0.5).astype(np.float64)
    out: dict[str, float] = {"samples": float(len(y)), "accuracy": _mean(calls == y),
                             "majority_accuracy": _mean(majority == y), "up_rate": _mean(y)}
    if momentum is not None:
        out["momentum_accuracy"] = _mean(momentum == y)
    out["brier"] = _brier(outputs.p, y)
    out["brier_raw"] = _brier(outputs.p_raw, y)
    out["ece"] = calibration_error(outputs.p.tolist(), (y > 0.5).tolist(), bins)
    out["ece_raw"] = calibration_error(outputs.p_raw.tolist(), (y > 0.5).tolist(), bins)
    out.update(tier_figures(outputs.p, y, thresholds))
    for index, pair in enumerate(matrix.pairs):
        here = pair_of == index
        out.update(_pair_figures(pair, calls[here], y[here], outputs.p[here], majority[here],
                                 None if momentum is None else momentum[here],
                                 matrix.open_time_ms[samples.rows[here]], horizon))
    if outputs.trend is not None:
        out.update(trend_figures(outputs.trend, matrix.trend[samples.rows].astype(np.float64)))
    return {k: v for k, v in out.items() if np.isfinite(v)}


def tier_figures(p: FloatArray, y: FloatArray, thresholds: TierThresholds) -> dict[str, float]:
    """The tier calibration MAE (CALIBRATION_ERROR) and how many samples reached a tier."""
    confidence = np.maximum(p, 1 - p)
    right = (p >= 0.5) == (y > 0.5)
    rank = np.select([confidence >= thresholds.high, confidence >= thresholds.medium, confidence >= thresholds.low],
                     [3, 2, 1], 0).astype(np.int8)
    mae = tier_mae(tier_calibration(confidence, right, rank))
    out = {"tier_samples": float(mae.n)}
    if mae.value is not None:
        out[CALIBRATION_ERROR] = mae.value
    return out


def _pair_figures(pair: str, calls: FloatArray, y: FloatArray, p: FloatArray, majority: FloatArray,
                  momentum: FloatArray | None, times: np.ndarray, horizon: int) -> dict[str, float]:
    n = len(y)
    accuracy = _mean(calls == y)
    effective = len(np.unique(times // (horizon * MINUTE_MS))) if n else 0
    interval = wilson_interval(round(accuracy * effective), effective) if n else None
    out = {accuracy_key(pair): accuracy, samples_key(pair): float(n), f"effective_samples_{pair}": float(effective),
           f"brier_{pair}": _brier(p, y), f"majority_accuracy_{pair}": _mean(majority == y),
           f"up_rate_{pair}": _mean(y)}
    if interval is not None:
        out[f"wilson_low_{pair}"], out[f"wilson_high_{pair}"] = interval
    if momentum is not None:
        out[f"momentum_accuracy_{pair}"] = _mean(momentum == y)
    return out


def trend_figures(predicted: FloatArray, actual: FloatArray) -> dict[str, float]:
    out = {"trend_mae": _mean(np.abs(predicted - actual))}
    moving = actual != 0
    out["trend_sign_accuracy"] = _mean(np.sign(predicted[moving]) == np.sign(actual[moving]))
    if len(actual) > 1 and float(np.std(predicted)) > 0 and float(np.std(actual)) > 0:
        out["trend_corr"] = float(np.corrcoef(predicted, actual)[0, 1])
    return out


def _mean(values: np.ndarray) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def _brier(p: FloatArray, y: FloatArray) -> float:
    value = brier(p, y > 0.5).value
    return float("nan") if value is None else value
