"""Normalization of features: mean and standard deviation per column, fitted on the training
period only, kept as plain numbers so they can be stored with the feature set and reapplied."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs
import numpy as np

from domain.market.candles import FloatArray


@attrs.frozen
class Normalizer:
    """``(x - mean) / std`` per column; a constant column keeps std 1 so it maps to 0, not NaN."""

    mean: Mapping[str, float]
    std: Mapping[str, float]

    def __attrs_post_init__(self) -> None:
        if set(self.mean) != set(self.std):
            raise ValueError("normalizer mean and std must name the same columns")
        for name in self.mean:
            if not (np.isfinite(self.mean[name]) and np.isfinite(self.std[name]) and self.std[name] > 0):
                raise ValueError(f"normalizer column {name}: mean and std must be finite, std > 0")

    @classmethod
    def fit(cls, columns: Mapping[str, FloatArray], rows: slice | np.ndarray) -> Normalizer:
        """Fit on the selected training rows, ignoring NaN; a column without a finite value is an error."""
        mean: dict[str, float] = {}
        std: dict[str, float] = {}
        for name, values in columns.items():
            x = np.asarray(values, dtype=np.float64)[rows]
            x = x[np.isfinite(x)]
            if len(x) == 0:
                raise ValueError(f"feature {name} has no finite value in the fit window")
            mean[name] = float(x.mean())
            spread = float(x.std())
            std[name] = spread if spread > 0 else 1.0
        return cls(mean, std)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.mean)

    def apply(self, name: str, values: FloatArray) -> FloatArray:
        scaled: FloatArray = (np.asarray(values, dtype=np.float64) - self.mean[name]) / self.std[name]
        return scaled

    def invert(self, name: str, values: FloatArray) -> FloatArray:
        raw: FloatArray = np.asarray(values, dtype=np.float64) * self.std[name] + self.mean[name]
        return raw

    def as_dict(self) -> dict[str, Any]:
        return {name: {"mean": self.mean[name], "std": self.std[name]} for name in self.mean}

    @classmethod
    def from_dict(cls, data: Mapping[str, Mapping[str, float]]) -> Normalizer:
        return cls({k: float(v["mean"]) for k, v in data.items()}, {k: float(v["std"]) for k, v in data.items()})
