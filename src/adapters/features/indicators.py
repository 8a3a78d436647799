"""Market features of one contiguous run of candles, vectorised with pandas.

Each column at row t uses rows <= t of the run only (shifts, trailing rolling windows and a
forward recursion), so a feature never sees the future or the other side of a gap.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd

from adapters.features.liquidity import abdi_ranaldo, corwin_schultz, lagged, rolling_mean
from domain.features.definitions import FeatureSpec


class Rolling(Protocol):
    """Trailing windows of ``window`` rows, NaN until the window is full or while it holds a NaN."""

    def mean(self, values: np.ndarray, window: int) -> np.ndarray: ...

    def std(self, values: np.ndarray, window: int) -> np.ndarray:
        """Population standard deviation (ddof 0); a window of equal values is exactly 0."""
        ...


class PandasRolling(Rolling):
    def mean(self, values: np.ndarray, window: int) -> np.ndarray:
        return rolling_mean(values, window)

    def std(self, values: np.ndarray, window: int) -> np.ndarray:
        std: np.ndarray = pd.Series(values).rolling(window).std(ddof=0).to_numpy(dtype=np.float64)
        return std


PANDAS = PandasRolling()


def true_range(high: np.ndarray, low: np.ndarray, close: np.ndarray) -> np.ndarray:
    """As domain.market.indicators.true_range, except that the first bar, which has no previous close, is NaN."""
    previous = lagged(close)
    ranges: np.ndarray = np.maximum(high - low, np.maximum(np.abs(high - previous), np.abs(low - previous)))
    ranges[:1] = np.nan
    return ranges


def wilder_atr(tr: np.ndarray, period: int) -> np.ndarray:
    """Wilder's ATR over a run: seeded with the mean of the first ``period`` true ranges (bars
    1..period), then ``atr += (tr - atr) / period``; equal to domain.market.indicators.wilder_atr over the
    run up to each bar."""
    atr = np.full(len(tr), np.nan)
    if len(tr) > period:
        atr[period:] = pd.Series(seeded_true_ranges(tr, period)).ewm(alpha=1.0 / period, adjust=False).mean().to_numpy()
    return atr


def seeded_true_ranges(tr: np.ndarray, period: int) -> np.ndarray:
    """The ATR recursion's inputs from bar ``period`` on: the seed (the mean of bars 1..period),
    then the true ranges."""
    return np.concatenate([[tr[1: period + 1].mean()], tr[period + 1:]])


def run_features(frame: pd.DataFrame, spec: FeatureSpec) -> dict[str, np.ndarray]:
    """``frame`` holds open, high, low, close, volume (and optionally quote_volume, trades,
    taker_buy_volume) of one contiguous run. Element-wise steps run on numpy arrays and only the
    rolling windows on pandas: the same IEEE operations as Series arithmetic, a fraction of its
    per-call overhead."""
    high, low, close, volume = (frame[c].to_numpy(dtype=np.float64) for c in ("high", "low", "close", "volume"))
    natr = wilder_atr(true_range(high, low, close), spec.atr_period) / close
    out = ohlcv_features(high, low, close, volume, natr, spec, PANDAS)
    if "quote_volume" in frame:
        out["log_quote_volume"] = np.log1p(frame["quote_volume"].to_numpy(dtype=np.float64))
    if "trades" in frame:
        out["log_trades"] = np.log1p(frame["trades"].to_numpy(dtype=np.float64))
    if "taker_buy_volume" in frame:
        # an empty bar has no buyers or sellers: call it balanced rather than NaN
        buyers = frame["taker_buy_volume"].to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = buyers / np.where(volume > 0, volume, np.nan)
        out["taker_buy_ratio"] = np.where(np.isnan(ratio), 0.5, ratio)
    return {name: np.asarray(values, dtype=np.float64) for name, values in out.items()}


def ohlcv_features(high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray, natr: np.ndarray,
                   spec: FeatureSpec, rolling: Rolling) -> dict[str, np.ndarray]:
    """The features of OHLCV bars of one run (``natr`` given: its recursion reads the whole run).
    The training calculator and the serving tail (tail.py) share this code, so they differ only
    in how a rolling window is summed."""
    log_close = np.log(close)
    one_bar = log_close - lagged(log_close)
    out: dict[str, np.ndarray] = {f"ret_{w}": log_close - lagged(log_close, w) for w in spec.return_windows}
    out[f"natr_{spec.atr_period}"] = natr
    for w in spec.volatility_windows:
        out[f"rv_{w}"] = rolling.std(one_bar, w)
    hl = np.log(high / low)
    out["hl_range"] = hl
    out[f"hl_range_{spec.range_window}"] = rolling.mean(hl, spec.range_window)
    log_volume = np.log1p(volume)
    out["log_volume"] = log_volume
    out[f"volume_z_{spec.volume_window}"] = _zscore(log_volume, spec.volume_window, rolling)
    out[f"cs_spread_{spec.spread_window}"] = corwin_schultz(high, low, close, spec.spread_window, rolling.mean)
    out[f"ar_spread_{spec.spread_window}"] = abdi_ranaldo(high, low, close, spec.spread_window, rolling.mean)
    return out


def _zscore(values: np.ndarray, window: int, rolling: Rolling) -> np.ndarray:
    """Of log volume, whose tails are far lighter than volume's; a flat window scores 0."""
    mean, std = rolling.mean(values, window), rolling.std(values, window)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = (values - mean) / np.where(std > 0, std, np.nan)
    return np.where(np.isnan(std) | (std > 0), z, 0.0)
