"""Bid-ask spread estimators from OHLC bars, as features (not the cost model).

- Corwin & Schultz (2012), "A Simple Way to Estimate Bid-Ask Spreads from Daily High and Low
  Prices", J. Finance 67(2): two-bar estimates from high/low ranges, the second bar adjusted for
  the move since the previous close, negative estimates set to 0, then averaged.
- Abdi & Ranaldo (2017), "A Simple Estimation of Bid-Ask Spreads from Daily Close, High, and Low
  Prices", RFS 30(12): 4 (c_{t-1} - eta_{t-1}) (c_{t-1} - eta_t) with eta the log mid-range,
  averaged over the window, then the square root of its positive part.

Both use bars t-1 and t for the estimate at t (the papers pair t with t+1: shifted by one so the
feature is known at t's close). Spreads are fractions of price.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

_K = 3.0 - 2.0 * np.sqrt(2.0)
Mean = Callable[[np.ndarray, int], np.ndarray]  # a trailing rolling mean


def lagged(values: np.ndarray, bars: int = 1) -> np.ndarray:
    """``values`` ``bars`` rows later, NaN before (pandas' shift on a float array, without a Series)."""
    out = np.full(len(values), np.nan)
    if bars < len(values):
        out[bars:] = values[:len(values) - bars]
    return out


def rolling_mean(values: np.ndarray, window: int) -> np.ndarray:
    return np.asarray(pd.Series(values).rolling(window).mean().to_numpy(), dtype=np.float64)


def non_negative(values: np.ndarray) -> np.ndarray:
    """Negatives to 0, NaN kept (pandas' clip(lower=0.0))."""
    return np.where(values < 0.0, 0.0, values)


def corwin_schultz(high: np.ndarray, low: np.ndarray, close: np.ndarray, window: int,
                   mean: Mean = rolling_mean) -> np.ndarray:
    previous_close = lagged(close)
    # the bar's prices move with the market between bars; remove that move from bar t's range
    shift = np.maximum(low - previous_close, 0.0) + np.minimum(high - previous_close, 0.0)
    high_t, low_t = high - shift, low - shift
    high_p, low_p = lagged(high), lagged(low)
    beta = np.log(high_t / low_t) ** 2 + np.log(high_p / low_p) ** 2
    gamma = np.log(np.maximum(high_t, high_p) / np.minimum(low_t, low_p)) ** 2
    alpha = (np.sqrt(2.0 * beta) - np.sqrt(beta)) / _K - np.sqrt(gamma / _K)
    growth = np.exp(alpha)
    return mean(non_negative(2.0 * (growth - 1.0) / (1.0 + growth)), window)


def abdi_ranaldo(high: np.ndarray, low: np.ndarray, close: np.ndarray, window: int,
                 mean: Mean = rolling_mean) -> np.ndarray:
    log_close = np.log(close)
    mid = (np.log(high) + np.log(low)) / 2.0
    squared = 4.0 * (lagged(log_close) - lagged(mid)) * (lagged(log_close) - mid)
    spread: np.ndarray = np.sqrt(non_negative(mean(squared, window)))
    return spread
