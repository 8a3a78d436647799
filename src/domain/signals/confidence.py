"""Confidence: the model ensemble, calibration policy, tier hysteresis and pattern history.

Everything here is a pure function of plain values, so the runtime, the backtest and the
challenge simulator compute the same confidence. Fitting calibration maps happens outside the
domain; the domain only applies the fitted parameters.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from typing import Protocol

import attrs
import numpy as np

from domain.market.candles import Direction, Pair
from domain.signals.signal import Prediction, Tier, TierThresholds

# ---------------------------------------------------------------- ensemble


def _weights(value: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    items = tuple(sorted((str(k), float(v)) for k, v in dict(value).items()))
    if not items or any(w < 0 for _, w in items) or sum(w for _, w in items) <= 0:
        raise ValueError(f"ensemble weights must be >= 0 with a positive sum, got {dict(value)}")
    return items


@attrs.frozen
class EnsembleSettings:
    """Weights by model name, used with RL or without it; ``bias_pp`` percentage points are taken
    off every ensemble confidence (the plan's conservative bias)."""

    with_rl: tuple[tuple[str, float], ...] = attrs.field(
        default=(("lstm", 0.35), ("transformer", 0.40), ("rl", 0.25)), converter=_weights)
    without_rl: tuple[tuple[str, float], ...] = attrs.field(
        default=(("lstm", 0.50), ("transformer", 0.50)), converter=_weights)
    rl_model: str = "rl"
    bias_pp: float = 5.0

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.bias_pp < 50:
            raise ValueError(f"bias_pp must be within [0, 50), got {self.bias_pp}")

    def weights_for(self, models: Iterable[str]) -> dict[str, float]:
        return dict(self.with_rl if self.rl_model in set(models) else self.without_rl)


@attrs.frozen
class EnsembleResult:
    direction: Direction
    probability: float  # weighted probability of ``direction``, before the bias
    confidence: float  # after the conservative bias, clipped to [0, 1]


def ensemble(predictions: Mapping[str, Prediction], settings: EnsembleSettings | None = None) -> EnsembleResult:
    """Average the models' probabilities of a rise with the weights for the models present.

    Every weighted model must be present: a silently missing model would shift the weights.
    """
    settings = settings or EnsembleSettings()
    weights = _present_weights(predictions, settings)
    total = sum(weights.values())
    p_up = sum(w * _p_up(predictions[name]) for name, w in weights.items()) / total
    direction = Direction.LONG if p_up >= 0.5 else Direction.SHORT
    probability = p_up if direction is Direction.LONG else 1 - p_up
    return EnsembleResult(direction, probability, min(1.0, max(0.0, probability - settings.bias_pp / 100)))


def ensemble_many(p_up: Mapping[str, np.ndarray], settings: EnsembleSettings | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """``ensemble`` over arrays of P(up), one per model (NaN: no prediction at that bar): the sign of
    the direction (+1, -1; 0 where any weighted model has none) and the confidence after the bias.
    The same operations in the same order as ``ensemble``, so each bar gets the same numbers."""
    settings = settings or EnsembleSettings()
    weights = _present_weights(p_up, settings)
    total = sum(weights.values())
    weighted = sum(w * np.asarray(p_up[name], dtype=np.float64) for name, w in weights.items()) / total
    known = np.isfinite(weighted)
    up = weighted >= 0.5
    probability = np.where(up, weighted, 1 - weighted)
    confidence = np.minimum(1.0, np.maximum(0.0, probability - settings.bias_pp / 100))
    direction = np.where(known, np.where(up, 1, -1), 0).astype(np.int8)
    return direction, np.where(known, confidence, np.nan)


def _present_weights(models: Mapping[str, object], settings: EnsembleSettings) -> dict[str, float]:
    weights = settings.weights_for(models)
    missing = sorted(set(weights) - set(models))
    if missing:
        raise ValueError(f"ensemble needs predictions from {sorted(weights)}; missing {missing}")
    return weights


def _p_up(prediction: Prediction) -> float:
    return prediction.probability if prediction.direction is Direction.LONG else 1 - prediction.probability


# ---------------------------------------------------------------- calibration


@attrs.frozen
class PlattMapping:
    """p' = sigmoid(a * logit(p) + b); a=1, b=0 is the identity."""

    a: float
    b: float

    def __call__(self, p: float) -> float:
        eps = 1e-12
        q = min(1 - eps, max(eps, p))
        z = self.a * math.log(q / (1 - q)) + self.b
        return 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))


def _floats(value: Sequence[float]) -> tuple[float, ...]:
    return tuple(float(v) for v in value)


@attrs.frozen
class IsotonicMapping:
    """Piecewise-linear through the fitted breakpoints (np.interp): flat beyond the ends."""

    x: tuple[float, ...] = attrs.field(converter=_floats)
    y: tuple[float, ...] = attrs.field(converter=_floats)

    def __attrs_post_init__(self) -> None:
        if len(self.x) != len(self.y) or len(self.x) < 2:
            raise ValueError(f"isotonic mapping needs >= 2 matching breakpoints, got {len(self.x)} x, {len(self.y)} y")
        if any(b <= a for a, b in zip(self.x, self.x[1:], strict=False)):
            raise ValueError("isotonic x breakpoints must be strictly increasing")
        if any(b < a for a, b in zip(self.y, self.y[1:], strict=False)):
            raise ValueError("isotonic y values must be non-decreasing")
        if min(self.y) < 0 or max(self.y) > 1:
            raise ValueError("isotonic y values must be probabilities within [0, 1]")

    def __call__(self, p: float) -> float:
        return float(np.interp(p, self.x, self.y))


class CalibrationMethod(StrEnum):
    PLATT = "platt"
    ISOTONIC = "isotonic"


@attrs.frozen
class CalibrationPolicy:
    """Calibrate only when the measured error exceeds ``max_error`` (5 % by default)."""

    max_error: float = 0.05
    method: CalibrationMethod = CalibrationMethod.ISOTONIC
    bins: int = 10


@attrs.frozen
class Calibration:
    """A model's measured calibration error and, when fitted, its mapping."""

    measured_error: float
    mapping: PlattMapping | IsotonicMapping | None = None
    policy: CalibrationPolicy = attrs.Factory(CalibrationPolicy)

    @property
    def needed(self) -> bool:
        return self.measured_error > self.policy.max_error

    def apply(self, p: float) -> float:
        """Map ``p`` when calibration is needed. Needed but not fitted is a broken invariant:
        an uncalibrated probability would silently pass as calibrated."""
        if not self.needed:
            return p
        if self.mapping is None:
            raise ValueError(f"calibration error {self.measured_error:.3f} exceeds {self.policy.max_error} "
                             "but no mapping was fitted")
        return self.mapping(p)


def calibration_error(probabilities: Sequence[float], outcomes: Sequence[bool], bins: int = 10) -> float:
    """Expected calibration error over equal-width bins: the mean |accuracy - confidence| weighted
    by each bin's share of the samples."""
    p = np.asarray(probabilities, dtype=np.float64)
    y = np.asarray(outcomes, dtype=np.float64)
    if p.shape != y.shape or p.ndim != 1:
        raise ValueError("probabilities and outcomes must be 1-D and the same length")
    if len(p) == 0:
        return 0.0
    index = np.minimum((p * bins).astype(np.int64), bins - 1)
    error = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            error += float(mask.mean()) * abs(float(y[mask].mean()) - float(p[mask].mean()))
    return error


# ---------------------------------------------------------------- tiers with hysteresis


def _rank(tier: Tier | None) -> int:
    return 0 if tier is None else tier.rank


@attrs.frozen
class PairTier:
    """``current``: the tier signals are emitted at. ``rising``/``streak``: the consecutive scans
    seen above it so far, and the lowest tier they all reached."""

    current: Tier | None = None
    rising: Tier | None = None
    streak: int = 0


@attrs.frozen
class HysteresisSettings:
    confirm_scans: int = 2  # consecutive scans above a threshold before moving up

    def __attrs_post_init__(self) -> None:
        if self.confirm_scans < 1:
            raise ValueError(f"confirm_scans must be >= 1, got {self.confirm_scans}")


def step_tier(state: PairTier, observed: Tier | None, settings: HysteresisSettings) -> PairTier:
    """Down at once, up only after ``confirm_scans`` consecutive scans above the current tier; it
    then rises to the lowest tier every scan of the streak reached."""
    if observed is None or _rank(observed) <= _rank(state.current):
        return PairTier(current=observed)
    rising = observed if state.streak == 0 or _rank(observed) < _rank(state.rising) else state.rising
    streak = state.streak + 1
    if streak >= settings.confirm_scans:
        return PairTier(current=rising)
    return PairTier(current=state.current, rising=rising, streak=streak)


def _entries(value: Iterable[tuple[str, PairTier]]) -> tuple[tuple[str, PairTier], ...]:
    return tuple(sorted(dict(value).items()))


@attrs.frozen
class TierState:
    """Every pair's tier state, as an immutable value to persist between scans."""

    pairs: tuple[tuple[str, PairTier], ...] = attrs.field(default=(), converter=_entries)

    def get(self, pair: Pair) -> PairTier:
        return dict(self.pairs).get(pair.symbol, PairTier())

    def tier(self, pair: Pair) -> Tier | None:
        return self.get(pair).current


def update_tier(state: TierState, pair: Pair, confidence: float, thresholds: TierThresholds,
                settings: HysteresisSettings | None = None) -> tuple[TierState, Tier | None]:
    """Feed one scan's confidence; returns the new state and the tier to emit at (None: none)."""
    stepped = step_tier(state.get(pair), thresholds.tier_for(confidence), settings or HysteresisSettings())
    return TierState({**dict(state.pairs), pair.symbol: stepped}.items()), stepped.current


# ---------------------------------------------------------------- pattern history


class PatternCounts(Protocol):
    """Wins and total outcomes of one pattern hash (domain.signals.patterns.PatternRecord fits)."""

    @property
    def wins(self) -> int: ...

    @property
    def total(self) -> int: ...


@attrs.frozen
class PatternSettings:
    """The historical win rate pulls confidence towards it with ``weight``; a pattern seen fewer
    than ``min_samples`` times pulls proportionally less; the shift is capped at ``max_shift``."""

    min_samples: int = 30
    weight: float = 0.5
    max_shift: float = 0.10

    def __attrs_post_init__(self) -> None:
        if self.min_samples < 1 or not 0 <= self.weight <= 1 or not 0 <= self.max_shift <= 1:
            raise ValueError(f"invalid pattern settings: {self}")


def pattern_influence(total: int, settings: PatternSettings) -> float:
    return settings.weight * min(1.0, total / settings.min_samples)


def adjust_for_pattern(confidence: float, record: PatternCounts | None,
                       settings: PatternSettings | None = None) -> float:
    """Confidence moved towards the pattern's historical win rate; unchanged for an unseen pattern."""
    settings = settings or PatternSettings()
    if record is None or record.total == 0:
        return confidence
    if not 0 <= record.wins <= record.total:
        raise ValueError(f"pattern wins {record.wins} must be within [0, total={record.total}]")
    shift = pattern_influence(record.total, settings) * (record.wins / record.total - confidence)
    shift = max(-settings.max_shift, min(settings.max_shift, shift))
    return min(1.0, max(0.0, confidence + shift))


def adjust_many(confidence: np.ndarray, wins: np.ndarray, total: np.ndarray,
                settings: PatternSettings | None = None) -> np.ndarray:
    """``adjust_for_pattern`` over arrays, one pattern's counts per confidence (total 0: unseen,
    unchanged). The same operations in the same order, so each element gets the same number."""
    settings = settings or PatternSettings()
    c = np.asarray(confidence, dtype=np.float64)
    wins, total = np.asarray(wins, dtype=np.int64), np.asarray(total, dtype=np.int64)
    if np.any((wins < 0) | (wins > total)):
        raise ValueError("pattern wins must be within [0, total]")
    seen = total > 0
    safe = np.where(seen, total, 1)
    influence = settings.weight * np.minimum(1.0, safe / settings.min_samples)
    shift = np.maximum(-settings.max_shift, np.minimum(settings.max_shift, influence * (wins / safe - c)))
    return np.where(seen, np.minimum(1.0, np.maximum(0.0, c + shift)), c)
