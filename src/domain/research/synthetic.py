"""Synthetic candles: how they are tagged, how many may enter a training set, and how a
generator's per-minute features become candles whose prices stay above zero.

The share is of the training set (synthetic / (real + synthetic)). Training runs with no
synthetic rows unless a share is asked for; the asked share may not exceed ``max_share`` (the
setting, 10 % unless changed), and ``max_share`` itself is refused above ``HARD_LIMIT`` (20 %).
Validation and test never hold synthetic rows: ``require_real`` is the guard the use cases call.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from domain.market.quality import Ohlcv

DEFAULT_MAX_SHARE = 0.10
HARD_LIMIT = 0.20
FloatArray = npt.NDArray[np.float64]


class SyntheticShareError(ValueError):
    """A synthetic share or cap out of bounds; the message names the setting."""


@attrs.frozen
class SyntheticTag:
    """What every synthetic row carries: synthetic=True and the generator that made it."""

    generator_version: str
    synthetic: bool = True

    def __attrs_post_init__(self) -> None:
        if not self.generator_version:
            raise ValueError("a synthetic row needs its generator's version")


@attrs.frozen
class SyntheticMix:
    """``share``: the synthetic share of the training set asked for (0 = off, the default);
    ``max_share``: the cap setting, at most ``HARD_LIMIT``."""

    share: float = 0.0
    max_share: float = DEFAULT_MAX_SHARE

    def __attrs_post_init__(self) -> None:
        if not 0.0 <= self.max_share <= HARD_LIMIT:
            raise SyntheticShareError(f"max_synthetic_share must be within [0, {HARD_LIMIT:.2f}] (synthetic rows "
                                      f"may never exceed {HARD_LIMIT:.0%} of a training set), got {self.max_share}")
        if not 0.0 <= self.share <= self.max_share:
            raise SyntheticShareError(f"synthetic_share {self.share} must be within [0, max_synthetic_share = "
                                      f"{self.max_share}]; raise max_synthetic_share (at most {HARD_LIMIT:.2f}) "
                                      "to allow more")

    def rows_for(self, real_rows: int) -> int:
        """Synthetic rows that make ``share`` of a training set holding ``real_rows`` real rows
        (rounded down, so the share is never exceeded)."""
        if self.share == 0.0 or real_rows <= 0:
            return 0
        return int(np.floor(real_rows * self.share / (1.0 - self.share) + 1e-9))


def require_real(period: str, synthetic_rows: int) -> None:
    """Validation and test measure the model on real data only."""
    if synthetic_rows:
        raise SyntheticShareError(f"the {period} period holds {synthetic_rows} synthetic rows; synthetic data "
                                  "may only ever enter the training split")


def candles_from_paths(anchor_close: FloatArray, open_time_ms: npt.NDArray[np.int64], log_return: FloatArray,
                       log_range: FloatArray, log_volume: FloatArray) -> list[Ohlcv]:
    """One candle series per path (rows of the (paths, bars) arrays): close = anchor * exp(cumsum
    of log returns), open = the previous close, and the high-low range (log(high/low), at least the
    body) split evenly around the body. Every price is an exponential of a finite number times a
    positive anchor, so none is zero or negative."""
    if np.any(~np.isfinite(anchor_close)) or np.any(anchor_close <= 0):
        raise ValueError("every anchor close must be a finite positive price")
    for name, values in (("log_return", log_return), ("log_range", log_range), ("log_volume", log_volume)):
        if not np.all(np.isfinite(values)):
            raise ValueError(f"generated {name} holds non-finite values")
    log_close = np.log(anchor_close)[:, None] + np.cumsum(log_return, axis=1)
    log_open = np.concatenate([np.log(anchor_close)[:, None], log_close[:, :-1]], axis=1)
    body = np.abs(log_close - log_open)
    wick = np.maximum(np.exp(log_range) - body, 0.0) / 2.0  # log_range models log(log(high/low))
    log_high = np.maximum(log_open, log_close) + wick
    log_low = np.minimum(log_open, log_close) - wick
    volume = np.expm1(np.maximum(log_volume, 0.0))
    return [Ohlcv(open_time_ms[k], np.exp(log_open[k]), np.exp(log_high[k]), np.exp(log_low[k]),
                  np.exp(log_close[k]), volume[k]) for k in range(len(anchor_close))]


def per_minute_features(candles: Ohlcv) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The three series a generator learns, per candle after the first: the log return of the
    close, log of the log high/low range (floored at 1e-6, a flat candle) and log(1 + volume)."""
    log_return = np.diff(np.log(candles.close))
    log_range = np.log(np.maximum(np.log(candles.high / candles.low), 1e-6))[1:]
    log_volume = np.log1p(np.maximum(candles.volume, 0.0))[1:]
    return log_return, log_range, log_volume
