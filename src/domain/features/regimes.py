"""Volatility regimes: low, medium or high, cut at thresholds fitted on the training period only.

The thresholds are plain values stored with the feature set, so a backtest or the runtime
classifies new bars with exactly the cuts the model was trained with.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from domain.market.candles import FloatArray


class Regime(IntEnum):
    LOW = 0
    MEDIUM = 1
    HIGH = 2


MISSING_REGIME = -1


@attrs.frozen
class RegimeThresholds:
    """``value < low`` is LOW, ``value >= high`` is HIGH, MEDIUM between."""

    column: str
    low: float
    high: float

    def __attrs_post_init__(self) -> None:
        if not (np.isfinite(self.low) and np.isfinite(self.high)) or self.high < self.low:
            raise ValueError(f"regime thresholds on {self.column} must be finite with low <= high, "
                             f"got {self.low}, {self.high}")

    @classmethod
    def fit(cls, column: str, values: FloatArray, quantiles: tuple[float, float] = (1 / 3, 2 / 3)) -> RegimeThresholds:
        """Terciles (by default) of the finite training values."""
        finite = np.asarray(values, dtype=np.float64)
        finite = finite[np.isfinite(finite)]
        if len(finite) == 0:
            raise ValueError(f"no finite {column} values to fit regime thresholds on")
        low, high = np.quantile(finite, quantiles)
        return cls(column, float(low), float(high))

    def classify(self, values: FloatArray) -> npt.NDArray[np.int8]:
        """Regime per value; MISSING_REGIME (-1) where the value is not finite."""
        x = np.asarray(values, dtype=np.float64)
        regime = np.where(x < self.low, Regime.LOW, np.where(x >= self.high, Regime.HIGH, Regime.MEDIUM))
        return np.where(np.isfinite(x), regime, MISSING_REGIME).astype(np.int8)

    def as_dict(self) -> dict[str, Any]:
        return {"column": self.column, "low": self.low, "high": self.high}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RegimeThresholds:
        return cls(str(data["column"]), float(data["low"]), float(data["high"]))
