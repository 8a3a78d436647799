"""The market features of the last rows of a series only, with numpy: what the runtime needs to
score one bar, at a fraction of the pandas calculator's per-call cost (a scan reads a few hundred
candles per pair, a model's window only the last tens of rows).

Each output row is computed from the rows it reads, as the pandas calculator computes it over
the row's whole run: the element-wise steps are the calculator's own code
(``indicators.ohlcv_features``); the rolling windows are summed per window (pairwise summation)
where pandas keeps running sums, which agree to rounding (most to ~1e-15 relative, at worst
~1e-10 on real candles, where a z-score or a spread nears 0); a window of equal values is exact
in both (its mean the value, its deviation 0). Wilder's ATR is a recursion over
the whole run: it is run step for step as pandas' ``ewm(adjust=False).mean()`` runs it, so it
is bit-identical to the calculator's.
"""

from __future__ import annotations

import math
from itertools import accumulate

import numpy as np
from numpy.lib.stride_tricks import as_strided

from adapters.features.indicators import Rolling, ohlcv_features, seeded_true_ranges, true_range
from domain.features.definitions import FeatureSpec, contiguous_runs
from domain.market.candles import FloatArray
from domain.market.quality import Ohlcv


class NumpyRolling(Rolling):
    def mean(self, values: np.ndarray, window: int) -> np.ndarray:
        out = np.full(len(values), np.nan)
        if len(values) >= window:
            view = _windows(values, window)
            out[window - 1:] = np.where(_flat(values, window), view[:, 0], np.add.reduce(view, axis=1) / window)
        return out

    def std(self, values: np.ndarray, window: int) -> np.ndarray:
        out = np.full(len(values), np.nan)
        if len(values) >= window:
            view = _windows(values, window)
            deviation = view - (np.add.reduce(view, axis=1) / window)[:, None]
            variance = np.add.reduce(deviation * deviation, axis=1) / window
            out[window - 1:] = np.where(_flat(values, window), 0.0, np.sqrt(variance))
        return out


def _windows(values: np.ndarray, window: int) -> np.ndarray:
    """(rows - window + 1, window) read-only view (as sliding_window_view, without its per-call checks)."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    step = values.strides[0]
    return as_strided(values, (len(values) - window + 1, window), (step, step), writeable=False)


def _flat(values: np.ndarray, window: int) -> np.ndarray:
    """Windows of one repeated value (NaN differs from itself: a window holding one is not flat)."""
    changes = np.concatenate([[0], np.cumsum(values[1:] != values[:-1])])
    flat: np.ndarray = changes[window - 1:] == changes[:len(values) - window + 1]
    return flat


NUMPY = NumpyRolling()


def last_market_features(candles: Ohlcv, spec: FeatureSpec, rows: int) -> dict[str, FloatArray]:
    """``PandasFeatureCalculator().market_features(candles, spec)`` at the last ``rows`` candles."""
    n = len(candles)
    rows = max(0, min(rows, n))
    first_out = n - rows
    out = {name: np.full(rows, np.nan) for name in spec.market_columns()}
    for lo, hi in contiguous_runs(candles.open_time_ms).bounds():
        if hi <= first_out:
            continue
        first = max(lo, first_out)
        # no rolling window reaches further back than the warm-up; the ATR reads the whole run
        reach = max(lo, first - spec.warmup - 1)
        for name, values in _run_tail(candles, lo, reach, hi, spec).items():
            out[name][first - first_out:hi - first_out] = values[first - reach:]
    return out


def _run_tail(candles: Ohlcv, lo: int, reach: int, hi: int, spec: FeatureSpec) -> dict[str, np.ndarray]:
    """Features of rows reach..hi-1 of the run lo..hi-1 (those within the warm-up of ``reach``
    are not the run's: the caller keeps only the rows after it)."""
    high, low, close, volume = (np.asarray(getattr(candles, c)[lo:hi], dtype=np.float64)
                                for c in ("high", "low", "close", "volume"))
    atr = wilder_atr_stepwise(true_range(high, low, close), spec.atr_period)
    skip = reach - lo
    high, low, close, volume = high[skip:], low[skip:], close[skip:], volume[skip:]
    return ohlcv_features(high, low, close, volume, atr[skip:] / close, spec, NUMPY)


def wilder_atr_stepwise(tr: np.ndarray, period: int) -> np.ndarray:
    """``indicators.wilder_atr``, bit for bit: pandas' ewm(alpha=1/period, adjust=False).mean()
    recursion (pandas/_libs/window/aggregations.pyx ``ewm``, NaN handling included) in Python floats,
    which are the same IEEE doubles. A few hundred steps cost less than building a pandas Series."""
    atr = np.full(len(tr), np.nan)
    if len(tr) <= period:
        return atr
    alpha = 1.0 / period
    com = (1.0 - alpha) / alpha  # pandas converts alpha to a centre of mass and back
    alpha = 1.0 / (1.0 + com)
    seeded = seeded_true_ranges(tr, period)
    if com != 1 and not np.isnan(seeded).any():
        atr[period:] = _ewm_finite(seeded.tolist(), 1.0 - alpha, alpha)
    else:
        atr[period:] = _ewm(seeded.tolist(), 1.0 - alpha, alpha, com)
    return atr


def _ewm_finite(values: list[float], keep: float, new: float) -> list[float]:
    """``_ewm`` of values without NaN: the old weight is back to 1.0 * keep at every step (exact)."""
    weight = keep + new
    return list(accumulate(values, lambda w, cur: w if w == cur else (keep * w + new * cur) / weight))


def _ewm(values: list[float], keep: float, new: float, com: float) -> list[float]:
    weighted = values[0]
    seen = weighted == weighted
    out = [weighted]
    old = 1.0
    for cur in values[1:]:
        observed = cur == cur
        seen = seen or observed
        if weighted == weighted:
            old *= keep
            if observed:
                if weighted != cur:
                    if com == 1:
                        new = 1.0 - old
                    weighted = old * weighted + new * cur
                    weighted /= old + new
                old = 1.0
        elif observed:
            weighted = cur
        out.append(weighted if seen else math.nan)
    return out
