"""Feature drift: the two-sample Kolmogorov–Smirnov statistic per feature, and Holm's correction
over the many features (and pairs) tested at once.

The statistic is computed here, in numpy; its p-value needs the Kolmogorov distribution, which an
adapter supplies (scipy), so the domain stays free of it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def ks_statistic(x: npt.ArrayLike, y: npt.ArrayLike) -> float:
    """sup |F_x(t) - F_y(t)| over t of the two empirical CDFs.

    Exact with ties: both right-continuous CDFs are evaluated just after every pooled value
    (searchsorted side="right" counts every equal value as at or below it), so a value shared by
    both samples moves both CDFs at once and adds no spurious gap. The supremum is reached at a
    pooled value, so this is the exact statistic, the one scipy.stats.ks_2samp returns.
    """
    a = _sample(x, "first")
    b = _sample(y, "second")
    pooled = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, pooled, side="right") / len(a)
    cdf_b = np.searchsorted(b, pooled, side="right") / len(b)
    return float(np.max(np.abs(cdf_a - cdf_b)))


def _sample(values: npt.ArrayLike, which: str) -> FloatArray:
    sample = np.sort(np.asarray(values, dtype=np.float64).ravel())
    if len(sample) == 0:
        raise ValueError(f"the {which} sample is empty")
    if not np.isfinite(sample).all():
        raise ValueError(f"the {which} sample holds a value that is not finite (NaN or infinite)")
    return sample


def holm_adjusted(p_values: npt.ArrayLike) -> FloatArray:
    """Holm's step-down adjusted p-values: the k-th smallest of m is scaled by (m - k + 1), made
    monotone and capped at 1. Rejecting where the adjusted value is below alpha keeps the chance of
    any false alarm over all m tests at most alpha (like Bonferroni, but it flags more of the
    drifted features once the first one is found)."""
    p = np.asarray(p_values, dtype=np.float64).ravel()
    if not np.all((p >= 0) & (p <= 1)):
        raise ValueError("p-values must lie in [0, 1]")
    m = len(p)
    order = np.argsort(p, kind="stable")
    scaled = (m - np.arange(m)) * p[order]
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(np.maximum.accumulate(scaled), 1.0) if m else scaled
    return adjusted


@attrs.frozen
class FeatureTest:
    """One feature of one pair: recent rows against the training window's."""

    pair: str
    feature: str
    statistic: float
    p_value: float
    n_recent: int
    n_reference: int
    p_adjusted: float | None = None  # after the correction over every test of the run

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.statistic <= 1 or not 0 <= self.p_value <= 1:
            raise ValueError(f"{self.pair} {self.feature}: statistic and p-value must lie in [0, 1]")
        if self.n_recent < 1 or self.n_reference < 1:
            raise ValueError(f"{self.pair} {self.feature}: both samples need at least one value")

    def as_dict(self) -> dict[str, Any]:
        return {"pair": self.pair, "feature": self.feature, "statistic": round(self.statistic, 6),
                "p_value": _sig(self.p_value), "p_adjusted": None if self.p_adjusted is None else _sig(self.p_adjusted),
                "n_recent": self.n_recent, "n_reference": self.n_reference}


def corrected(tests: Sequence[FeatureTest]) -> tuple[FeatureTest, ...]:
    """The tests with their Holm-adjusted p-values, smallest p-value first."""
    adjusted = holm_adjusted([t.p_value for t in tests])
    out = [attrs.evolve(t, p_adjusted=float(a)) for t, a in zip(tests, adjusted, strict=True)]
    return tuple(sorted(out, key=lambda t: (t.p_value, t.pair, t.feature)))


def _sig(value: float) -> float:
    """Six significant digits: p-values span many orders of magnitude, so rounding to decimals would zero them."""
    return float(f"{value:.6g}") if value and math.isfinite(value) else value
