"""What tier the runtime's scan would observe for a pair at each scan time, for every scan at once.

ScanMarket feeds its tier hysteresis the prediction's probability, or 0 when there is none, and a
prediction exists only when each of these holds (application.runtime.scan_market._predict, with the
backtest's SeriesPredictor behind the Predictor port):

- some candle closed by the scan time, the last one within ``max_staleness``;
- no unreadable candle in the window (CandleWindow.problems: a price not finite or not > 0, a
  volume not finite or negative);
- the window has ``lookback`` bars and the bulk pass scored its last bar, with a probability in [0, 1];
- Wilder's ATR over the window exists and is > 0: with a period of 2 or more it is > 0 exactly when
  some true range after the window's first bar is (every step keeps at least half of a positive
  value); a period of 1 is answered by domain.market.indicators.wilder_atr itself.

The engine checks these answers against every scan it runs, so a disagreement is caught, not hidden.
"""

from __future__ import annotations

from datetime import timedelta

import attrs
import numpy as np
import numpy.typing as npt

from application.backtest.ports import BulkPredictions
from domain.market.candles import MINUTE_MS, CandleWindow, FloatArray, IntArray, Pair
from domain.market.indicators import wilder_atr
from domain.market.quality import COLUMNS, Ohlcv
from domain.signals.pattern_key import NO_PATTERN, PATTERN_BARS, Codes, pattern_codes, setup_codes
from domain.signals.signal import Tier, TierThresholds

Ranks = npt.NDArray[np.int8]


@attrs.frozen(eq=False)
class Observed:
    """Per scan time: the rank of the tier the scan would observe (Tier.rank; 0: none) before any
    pattern adjustment, the entry a signal would take there (the last closed candle's close; NaN
    without one) and a lower bound on its stop's distance from the entry (``stop_floors``, 0 where
    none is known). With ``pattern_reach`` > 0: the model's confidence wherever an adjustment could
    lift it to a tier (NaN elsewhere) and the setup's pattern code there (pattern_key; NO_PATTERN)."""

    ranks: Ranks
    entries: FloatArray
    stop_floors: FloatArray
    confidence: FloatArray | None = None
    patterns: Codes | None = None


def observe(pair: Pair, series: Ohlcv, bulk: BulkPredictions, times: IntArray, *, lookback: int,
            atr_period: int, max_staleness: timedelta, thresholds: TierThresholds,
            stop_atr_multiple: float, pattern_reach: float = 0.0) -> Observed:
    """``pattern_reach``: how far below the lowest threshold a pattern can lift a confidence
    (PatternSettings.max_shift when the adjustment is on, else 0)."""
    ranks = np.zeros(len(times), dtype=np.int8)
    if len(series) == 0 or len(times) == 0:
        return Observed(ranks, np.full(len(times), np.nan), np.zeros(len(times)))
    n = max(lookback, atr_period + 1)
    last = np.searchsorted(series.open_time_ms, times - MINUTE_MS, side="right") - 1
    safe = np.clip(last, 0, None)
    start = np.maximum(0, last + 1 - n)
    length = last + 1 - start
    fresh = (last >= 0) & (times - (series.open_time_ms[safe] + MINUTE_MS) <= max_staleness.total_seconds() * 1000)
    clean = _count_between(unreadable_rows(series), start, last) == 0
    probability = bulk.probability[safe]
    with np.errstate(invalid="ignore"):
        scored = (bulk.direction[safe] != 0) & (probability >= 0) & (probability <= 1)
        # below it, the tier is none whatever else holds
        reaching = probability >= (thresholds.low - pattern_reach - _REACH_MARGIN if pattern_reach > 0
                                   else thresholds.low)
    usable = fresh & clean & scored & reaching & (length >= lookback) & (length >= atr_period + 1)
    usable &= _atr_positive(pair, series, start, last, atr_period, usable)
    ranks[usable] = tier_ranks(probability[usable], thresholds)
    entries = np.where(last >= 0, series.close[safe], np.nan)
    floors = stop_floors(series, start, last, atr_period, max(stop_atr_multiple, 0.0), usable)
    if not pattern_reach > 0:
        return Observed(ranks, entries, floors)
    return Observed(ranks, entries, floors, np.where(usable, probability, np.nan),
                    _pattern_codes(series, bulk, last, usable & (length >= PATTERN_BARS)))


def _pattern_codes(series: Ohlcv, bulk: BulkPredictions, last: IntArray, where: npt.NDArray[np.bool_]) -> Codes:
    """The pattern code of the setup each scan in ``where`` reads (pattern_key.pattern_of on its window)."""
    codes = np.full(len(last), NO_PATTERN, dtype=np.int16)
    rows = last[where]
    setup = setup_codes(series.open_time_ms, series.high, series.low, series.close, rows)
    codes[where] = pattern_codes(setup, bulk.direction[rows], bulk.probability[rows])
    return codes


# a confidence a hair below low - reach may still round up to low once adjusted: look at it too
_REACH_MARGIN = 1e-9


def tier_ranks(probability: FloatArray, thresholds: TierThresholds) -> Ranks:
    """``TierThresholds.tier_for`` over an array (each threshold is reached at or above it), as ranks."""
    levels = sorted((t.rank, getattr(thresholds, t.name.lower())) for t in Tier)
    ranks = np.zeros(len(probability), dtype=np.int8)
    for rank, level in levels:
        ranks[probability >= level] = rank
    return ranks


def unreadable_rows(series: Ohlcv) -> npt.NDArray[np.bool_]:
    prices = [getattr(series, c) for c in ("open", "high", "low", "close")]
    bad: npt.NDArray[np.bool_] = np.logical_or.reduce([~(np.isfinite(v) & (v > 0)) for v in prices])
    return bad | ~(np.isfinite(series.volume) & (series.volume >= 0))


# the ATR computed for all windows at once may differ from wilder_atr's by float rounding: a
# stop floor a hair below it stays a lower bound
_ATR_MARGIN = 1e-9


def stop_floors(series: Ohlcv, start: IntArray, last: IntArray, period: int, multiple: float,
                usable: npt.NDArray[np.bool_]) -> FloatArray:
    """A lower bound on the stop distance of a signal at each ``usable`` window (rows start..last):
    ``multiple`` x Wilder's ATR, a hair below it; 0 elsewhere."""
    floors = np.zeros(len(start))
    rows = np.flatnonzero(usable)
    atr = wilder_atrs(series, start[rows], last[rows], period)
    floors[rows] = np.where(np.isfinite(atr), multiple * atr * (1 - _ATR_MARGIN), 0.0)
    return floors


def wilder_atrs(series: Ohlcv, start: IntArray, last: IntArray, period: int) -> FloatArray:
    """Wilder's ATR over rows start..last (domain.market.indicators.wilder_atr) for every window at
    once: the mean of the first ``period`` true ranges after the window's first bar, then Wilder's
    smoothing up to ``last``. NaN for a window with fewer than ``period`` + 1 bars."""
    previous = np.concatenate([[series.close[0]], series.close[:-1]]) if len(series) else series.close
    true_range = np.maximum.reduce([series.high - series.low, np.abs(series.high - previous),
                                    np.abs(series.low - previous)])
    enough = last - start >= period
    first = np.where(enough, start, 0)
    seed = np.zeros(len(start))
    for j in range(1, period + 1):
        seed += true_range[np.minimum(first + j, len(true_range) - 1)] if len(true_range) else 0.0
    atr = seed / period
    steps = int((last - start).max(initial=0)) - period
    for j in range(period + 1, period + 1 + max(steps, 0)):
        row = first + j
        more = enough & (row <= last)
        if not more.any():
            break
        atr = np.where(more, atr + (true_range[np.minimum(row, len(true_range) - 1)] - atr) / period, atr)
    return np.where(enough, atr, np.nan)


def _count_between(flags: npt.NDArray[np.bool_], start: IntArray, last: IntArray) -> IntArray:
    """How many flags are set in rows start..last (inclusive); 0 for an empty span."""
    counts = np.concatenate([[0], np.cumsum(flags, dtype=np.int64)])
    return np.where(last >= start, counts[np.clip(last + 1, 0, None)] - counts[start], 0)


def _atr_positive(pair: Pair, series: Ohlcv, start: IntArray, last: IntArray, period: int,
                  asked: npt.NDArray[np.bool_]) -> npt.NDArray[np.bool_]:
    if period >= 2:
        high, low, close = series.high, series.low, series.close
        previous = np.concatenate([[close[0]], close[:-1]])
        true_range = np.maximum.reduce([high - low, np.abs(high - previous), np.abs(low - previous)])
        return _count_between(true_range > 0, start + 1, last) > 0
    result = np.zeros(len(start), dtype=bool)
    for i in np.flatnonzero(asked):
        window = CandleWindow(pair, *(getattr(series, c)[start[i]:last[i] + 1] for c in COLUMNS))
        atr = wilder_atr(window, period)
        result[i] = atr is not None and atr > 0
    return result
