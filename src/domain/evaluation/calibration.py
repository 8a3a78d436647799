"""Does a stated probability come true as often as it says?

Each trade's probability (the confidence the predictor gave its direction) is checked against an
outcome: 1 or 0 per trade. An evaluation checks two outcomes: the trade won (P/L > 0, what a
trader banks), and the direction was right over the horizon (what the model was asked).

- Brier score: the mean of (probability - outcome)^2; 0 is perfect, 0.25 is what always saying
  0.5 scores.
- Reliability curve: the probabilities cut into bins (``RELIABILITY_EDGES``: 0.05 wide from 0.5,
  where calls start, to 1; a probability outside the edges counts in the nearest end bin), and per
  bin the trades, their mean probability and the observed rate of the outcome. Empty bins stay, with
  n = 0, so every curve has the same bins.
- Calibration error per tier: |mean probability of the tier's trades - the tier's observed rate|.
  The tiers' calibration MAE is the mean of these gaps weighted by the tiers' trades (an expected
  calibration error whose bins are the tiers); this is what the promotion gate reads.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from domain.evaluation.figures import Rate, Stat, finite_or_none
from domain.signals.signal import Tier

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
RELIABILITY_EDGES: tuple[float, ...] = tuple(round(0.5 + 0.05 * k, 2) for k in range(11))


@attrs.frozen
class ReliabilityBin:
    low: float
    high: float
    mean_probability: float | None = attrs.field(converter=finite_or_none)
    observed: Rate

    def as_dict(self) -> dict[str, Any]:
        return {"low": self.low, "high": self.high, "mean_probability": self.mean_probability,
                "observed": self.observed.as_dict()}


@attrs.frozen
class TierCalibration:
    tier: str
    mean_probability: Stat
    observed: Rate
    error: Stat  # |mean probability - observed rate|

    def as_dict(self) -> dict[str, Any]:
        return {"tier": self.tier, "mean_probability": self.mean_probability.as_dict(),
                "observed": self.observed.as_dict(), "error": self.error.as_dict()}


@attrs.frozen
class Calibration:
    outcome: str
    brier: Stat
    reliability: tuple[ReliabilityBin, ...]
    tiers: tuple[TierCalibration, ...]
    tier_mae: Stat

    def as_dict(self) -> dict[str, Any]:
        return {"outcome": self.outcome, "brier": self.brier.as_dict(),
                "reliability": [b.as_dict() for b in self.reliability],
                "tiers": [t.as_dict() for t in self.tiers], "tier_mae": self.tier_mae.as_dict()}


def calibration(outcome: str, probability: FloatArray, happened: BoolArray, tier_rank: npt.NDArray[np.int8],
                edges: tuple[float, ...] = RELIABILITY_EDGES) -> Calibration:
    tiers = tier_calibration(probability, happened, tier_rank)
    return Calibration(outcome, brier(probability, happened), reliability(probability, happened, edges), tiers,
                       tier_mae(tiers))


def brier(probability: FloatArray, happened: BoolArray) -> Stat:
    if not len(probability):
        return Stat(None, 0, "no trades")
    return Stat(float(np.mean((probability - happened.astype(np.float64)) ** 2)), len(probability))


def reliability(probability: FloatArray, happened: BoolArray,
                edges: tuple[float, ...] = RELIABILITY_EDGES) -> tuple[ReliabilityBin, ...]:
    if len(edges) < 2 or any(b <= a for a, b in pairwise(edges)):
        raise ValueError(f"reliability edges must be at least two increasing numbers, got {edges}")
    # bins are [low, high) but the last includes 1.0; out-of-range probabilities go to the end bins
    index = np.clip(np.searchsorted(np.asarray(edges), probability, side="right") - 1, 0, len(edges) - 2)
    bins = []
    for k in range(len(edges) - 1):
        here = index == k
        count = int(np.count_nonzero(here))
        mean = float(probability[here].mean()) if count else None
        bins.append(ReliabilityBin(edges[k], edges[k + 1], mean, Rate(int(np.count_nonzero(happened[here])), count)))
    return tuple(bins)


def tier_calibration(probability: FloatArray, happened: BoolArray,
                     tier_rank: npt.NDArray[np.int8]) -> tuple[TierCalibration, ...]:
    rows = []
    for tier in (Tier.LOW, Tier.MEDIUM, Tier.HIGH):
        here = tier_rank == tier.rank
        count = int(np.count_nonzero(here))
        observed = Rate(int(np.count_nonzero(happened[here])), count)
        if not count:
            rows.append(TierCalibration(tier.value, Stat(None, 0, "no trades"), observed, Stat(None, 0, "no trades")))
            continue
        mean = float(probability[here].mean())
        rows.append(TierCalibration(tier.value, Stat(mean, count), observed,
                                    Stat(abs(mean - (observed.value or 0.0)), count)))
    return tuple(rows)


def tier_mae(tiers: tuple[TierCalibration, ...]) -> Stat:
    weighted = [(t.error.value, t.error.n) for t in tiers if t.error.value is not None]
    total = sum(n for _, n in weighted)
    if not total:
        return Stat(None, 0, "no trades")
    return Stat(sum(e * n for e, n in weighted) / total, total)
