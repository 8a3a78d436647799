"""Real candles into the GAN's training windows: per-minute log return, log of the log high/low
range and log(1 + volume), cut inside contiguous runs only (a gap is never bridged), standardized
with the training windows' own mean and spread, each window labelled with its volatility regime
(terciles of its mean absolute return) as the generator's condition."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from domain.features.definitions import contiguous_runs
from domain.market.quality import Ohlcv
from domain.research.synthetic import per_minute_features

FEATURES = ("log_return", "log_range", "log_volume")
REGIMES = 3  # calm, normal, stormy
FloatArray = npt.NDArray[np.float64]


class GanInputError(ValueError):
    """Bad input for the GAN track; the message names the option, pair, period or file."""


def runs_of(candles: Ohlcv) -> list[Ohlcv]:
    """The candles cut at every gap: each part is one unbroken run of minutes."""
    if not len(candles):
        return []
    runs = contiguous_runs(candles.open_time_ms)
    return [candles.take(slice(lo, hi)) for lo, hi in runs.bounds()]


def series_of(run: Ohlcv) -> FloatArray:
    """(bars - 1, 3): the three per-minute series of one run."""
    return np.column_stack(per_minute_features(run))


def windows_of(runs: Sequence[Ohlcv], window: int, stride: int) -> FloatArray:
    """(n, window, 3) windows, every ``stride`` bars, each inside one run."""
    parts = []
    for run in runs:
        series = series_of(run) if len(run) > window else np.zeros((0, 3))
        if len(series) >= window:
            view = np.lib.stride_tricks.sliding_window_view(series, window, axis=0)[::stride]
            parts.append(view.transpose(0, 2, 1))
    return np.concatenate(parts) if parts else np.zeros((0, window, 3))


@attrs.frozen
class Scaling:
    """Per-feature mean and spread of the training windows, and the regime thresholds."""

    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    regime_edges: tuple[float, float]  # terciles of a window's mean |log return|

    @classmethod
    def fit(cls, windows: FloatArray) -> Scaling:
        flat = windows.reshape(-1, windows.shape[-1])
        std = flat.std(axis=0)
        if np.any(std == 0):
            raise GanInputError("a feature is constant over the training windows (flat candles or no volume)")
        edges = np.quantile(np.abs(windows[:, :, 0]).mean(axis=1), [1 / 3, 2 / 3])
        mean = flat.mean(axis=0)
        return cls((float(mean[0]), float(mean[1]), float(mean[2])), (float(std[0]), float(std[1]), float(std[2])),
                   (float(edges[0]), float(edges[1])))

    def standardize(self, windows: FloatArray) -> npt.NDArray[np.float32]:
        scaled: npt.NDArray[np.float32] = ((windows - np.array(self.mean)) / np.array(self.std)).astype(np.float32)
        return scaled

    def restore(self, standardized: npt.NDArray[np.float32]) -> FloatArray:
        restored: FloatArray = standardized.astype(np.float64) * np.array(self.std) + np.array(self.mean)
        return restored

    def regimes(self, log_returns: FloatArray) -> npt.NDArray[np.int64]:
        """The regime (0 calm, 1 normal, 2 stormy) of each row of (n, bars) log returns."""
        regimes: npt.NDArray[np.int64] = np.searchsorted(np.array(self.regime_edges),
                                                         np.abs(log_returns).mean(axis=1)).astype(np.int64)
        return regimes

    def as_dict(self) -> dict[str, Any]:
        return {"mean": list(self.mean), "std": list(self.std), "regime_edges": list(self.regime_edges)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Scaling:
        mean, std, edges = ([float(v) for v in data[key]] for key in ("mean", "std", "regime_edges"))
        return cls((mean[0], mean[1], mean[2]), (std[0], std[1], std[2]), (edges[0], edges[1]))
