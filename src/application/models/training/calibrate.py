"""Calibration maps for P(up), fitted on the validation period only.

Platt scaling (a logistic regression on the logit, fitted by Newton's method) and isotonic
regression (pool adjacent violators) give the parameters of the domain's ``PlattMapping`` and
``IsotonicMapping``, which the runtime applies. Which one, and how well it works, is measured out
of fold: the validation period is cut into contiguous time blocks, each block's probabilities are
mapped by a fit on the other blocks, and the method with the lower out-of-fold Brier score is
chosen. The error reported after calibration is that out-of-fold error, not the error of a map on
the very probabilities it was fitted to. The map is applied only when the measured error exceeds
the policy's maximum (``CalibrationPolicy``, 5 % by default), as the runtime's ``Calibration`` does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import attrs
import numpy as np

from domain.market.candles import FloatArray
from domain.signals.confidence import CalibrationMethod, CalibrationPolicy, IsotonicMapping, PlattMapping
from domain.signals.confidence import calibration_error as expected_calibration_error

_EPS = 1e-12  # as PlattMapping clips
FOLDS = 5
Mapping_ = PlattMapping | IsotonicMapping


def logit(p: FloatArray) -> FloatArray:
    q = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    out: FloatArray = np.log(q / (1 - q))
    return out


def sigmoid(z: FloatArray) -> FloatArray:
    out: FloatArray = np.exp(-np.logaddexp(0.0, -np.asarray(z, dtype=np.float64)))
    return out


def fit_platt(p: FloatArray, y: FloatArray, iterations: int = 100, ridge: float = 1e-6) -> PlattMapping:
    """a, b minimising the log loss of sigmoid(a * logit(p) + b) against y (Newton-Raphson; a tiny
    ridge keeps the Hessian invertible when every p is the same)."""
    x = logit(p)
    target = np.asarray(y, dtype=np.float64)
    design = np.column_stack([x, np.ones_like(x)])
    w = np.array([1.0, 0.0])
    for _ in range(iterations):
        q = sigmoid(design @ w)
        gradient = design.T @ (q - target) + ridge * w
        hessian = (design * (q * (1 - q))[:, None]).T @ design + ridge * np.eye(2)
        step = np.linalg.solve(hessian, gradient)
        w = w - step
        if float(np.abs(step).max()) < 1e-10:
            break
    return PlattMapping(float(w[0]), float(w[1]))


def fit_isotonic(p: FloatArray, y: FloatArray) -> IsotonicMapping:
    """The non-decreasing step function closest to y in squared error (pool adjacent violators),
    as breakpoints at each block's lowest and highest probability."""
    order = np.argsort(p, kind="stable")
    x, target = np.asarray(p, dtype=np.float64)[order], np.asarray(y, dtype=np.float64)[order]
    means: list[float] = []
    weights: list[float] = []
    lows: list[float] = []
    highs: list[float] = []
    for xi, yi in zip(x.tolist(), target.tolist(), strict=True):
        means.append(yi)
        weights.append(1.0)
        lows.append(xi)
        highs.append(xi)
        while len(means) > 1 and means[-2] >= means[-1]:
            w = weights[-2] + weights[-1]
            means[-2] = (means[-2] * weights[-2] + means[-1] * weights[-1]) / w
            weights[-2] = w
            highs[-2] = highs[-1]
            del means[-1], weights[-1], lows[-1], highs[-1]
    xs: list[float] = []
    ys: list[float] = []
    for low, high, mean in zip(lows, highs, means, strict=True):
        for point in (low, high):
            if not xs or point > xs[-1]:
                xs.append(point)
                ys.append(min(1.0, max(0.0, mean)))
    if len(xs) < 2:  # every probability the same: a flat map at the observed rate
        centre = xs[0] if xs else 0.5
        rate = ys[0] if ys else 0.5
        xs, ys = [centre - 1e-9, centre + 1e-9], [rate, rate]
    return IsotonicMapping(xs, ys)


def apply_mapping(mapping: Mapping_, p: FloatArray) -> FloatArray:
    """The domain mapping over an array (the same formulas as its scalar ``__call__``)."""
    if isinstance(mapping, PlattMapping):
        return sigmoid(mapping.a * logit(p) + mapping.b)
    out: FloatArray = np.interp(np.asarray(p, dtype=np.float64), mapping.x, mapping.y)
    return out


_FITTERS: dict[CalibrationMethod, Callable[[FloatArray, FloatArray], Mapping_]] = {
    CalibrationMethod.PLATT: fit_platt, CalibrationMethod.ISOTONIC: fit_isotonic}


@attrs.frozen
class CalibrationFit:
    method: CalibrationMethod
    mapping: Mapping_
    applied: bool  # the measured error exceeded the policy's maximum
    error_before: float  # expected calibration error of the raw probabilities on validation
    error_after: float  # of the probabilities used (out of fold when applied)
    brier_out_of_fold: dict[str, float]  # per candidate method, and "none"
    policy: CalibrationPolicy
    validation_probabilities: FloatArray = attrs.field(eq=False, repr=False)  # out of fold, chosen method

    def transform(self, p: FloatArray) -> FloatArray:
        """The probabilities the model serves: mapped when the calibration is applied."""
        return apply_mapping(self.mapping, p) if self.applied else np.asarray(p, dtype=np.float64)

    def as_card(self) -> dict[str, Any]:
        if isinstance(self.mapping, PlattMapping):
            params: dict[str, Any] = {"a": self.mapping.a, "b": self.mapping.b}
        else:
            params = {"x": list(self.mapping.x), "y": list(self.mapping.y)}
        return {"method": self.method.value, "applied": self.applied, "params": params,
                "error_before": self.error_before, "error_after": self.error_after,
                "max_error": self.policy.max_error, "bins": self.policy.bins, "fitted_on": "validation",
                "chosen_by": f"out-of-fold Brier score over {FOLDS} contiguous validation blocks",
                "brier_out_of_fold": dict(self.brier_out_of_fold)}


def out_of_fold(p: FloatArray, y: FloatArray, fit: Callable[[FloatArray, FloatArray], Mapping_],
                folds: int = FOLDS) -> FloatArray:
    """Each contiguous block mapped by a fit on the other blocks (time order is kept)."""
    out = np.asarray(p, dtype=np.float64).copy()
    blocks = np.array_split(np.arange(len(p)), min(folds, len(p)))
    for block in blocks:
        if not len(block):
            continue
        rest = np.setdiff1d(np.arange(len(p)), block, assume_unique=True)
        if len(rest):
            out[block] = apply_mapping(fit(p[rest], y[rest]), p[block])
    return out


def calibrate(p: FloatArray, y: FloatArray, policy: CalibrationPolicy | None = None,
              method: CalibrationMethod | None = None) -> CalibrationFit:
    """Fit on validation probabilities ``p`` of rises ``y`` (0/1); ``method`` None chooses by the
    out-of-fold Brier score."""
    policy = policy or CalibrationPolicy()
    if len(p) < 2:
        raise ValueError("calibration needs at least 2 validation samples")
    p = np.asarray(p, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    before = expected_calibration_error(p.tolist(), (y > 0.5).tolist(), policy.bins)
    candidates = [method] if method is not None else list(_FITTERS)
    folded = {m: out_of_fold(p, y, _FITTERS[m]) for m in candidates}
    brier = {m.value: float(np.mean((q - y) ** 2)) for m, q in folded.items()}
    brier["none"] = float(np.mean((p - y) ** 2))
    chosen = min(candidates, key=lambda m: (brier[m.value], m.value))
    applied = before > policy.max_error
    after = expected_calibration_error(folded[chosen].tolist(), (y > 0.5).tolist(), policy.bins) if applied else before
    return CalibrationFit(chosen, _FITTERS[chosen](p, y), applied, before, after, brier, policy, folded[chosen])
