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

from typing import cast

import numpy as np
import pandas as pd

_K = 3.0 - 2.0 * np.sqrt(2.0)


def corwin_schultz(high: pd.Series, low: pd.Series, close: pd.Series, window: int) -> pd.Series:
    previous_close = close.shift(1)
    # the bar's prices move with the market between bars; remove that move from bar t's range
    shift = np.maximum(low - previous_close, 0.0) + np.minimum(high - previous_close, 0.0)
    high_t, low_t = high - shift, low - shift
    high_p, low_p = high.shift(1), low.shift(1)
    beta = np.log(high_t / low_t) ** 2 + np.log(high_p / low_p) ** 2
    gamma = np.log(np.maximum(high_t, high_p) / np.minimum(low_t, low_p)) ** 2
    alpha = (np.sqrt(2.0 * beta) - np.sqrt(beta)) / _K - np.sqrt(gamma / _K)
    growth = np.exp(alpha)
    spread = (2.0 * (growth - 1.0) / (1.0 + growth)).clip(lower=0.0)
    return cast(pd.Series, spread.rolling(window).mean())


def abdi_ranaldo(high: pd.Series, low: pd.Series, close: pd.Series, window: int) -> pd.Series:
    log_close = np.log(close)
    mid = (np.log(high) + np.log(low)) / 2.0
    squared = 4.0 * (log_close.shift(1) - mid.shift(1)) * (log_close.shift(1) - mid)
    mean = squared.rolling(window).mean()
    return cast(pd.Series, np.sqrt(mean.clip(lower=0.0)))
