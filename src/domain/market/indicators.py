"""Indicators on candle windows, in plain numpy, that the domain's signal rules need."""

from __future__ import annotations

import numpy as np

from domain.market.candles import CandleWindow, FloatArray


def true_range(window: CandleWindow) -> FloatArray:
    """True range per bar; the first bar has no previous close and uses high - low."""
    previous_close = np.concatenate([[window.close[0]], window.close[:-1]]) if len(window) else window.close
    ranges: FloatArray = np.maximum.reduce([
        window.high - window.low,
        np.abs(window.high - previous_close),
        np.abs(window.low - previous_close),
    ])
    return ranges


def wilder_atr(window: CandleWindow, period: int = 14) -> float | None:
    """Wilder's average true range at the last bar, or None with fewer than ``period`` + 1 bars."""
    if period < 1:
        raise ValueError(f"ATR period must be >= 1, got {period}")
    if len(window) < period + 1:
        return None
    tr = true_range(window)[1:]
    atr = float(tr[:period].mean())
    for value in tr[period:]:
        atr += (float(value) - atr) / period
    return atr
