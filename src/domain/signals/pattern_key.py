"""The pattern a setup belongs to: a few coarse buckets of what the market looked like at the scan.

The key is a pure function of the candle window the scan read and of the prediction, so the
runtime, a restart and the backtest name the same setup alike. It reads only the last
``PATTERN_BARS`` candles of the window (an hour of 1-minute moves), none after the scan:

- pair and direction of the prediction;
- the session at the close of the last candle (domain.market.sessions): new_york, london, tokyo
  or off_hours; where sessions overlap, the one that opened last, whose traders move the market;
- volatility: the last 15 minutes' mean true range against the hour's: ``low-vol`` below 0.85 of
  it, ``high-vol`` above 1.15, ``mid-vol`` between (about 28/47/25 % of the minutes of 2017-2021
  BTC, ETH and BNB);
- trend: the hour's efficiency ratio, net move over path length: ``uptrend`` at +0.10 or more,
  ``downtrend`` at -0.10 or less, ``range`` between (about 25/50/25 %);
- the model's own confidence band before any adjustment: below 60 %, 60-70 %, 70 % and above.
  Fixed edges, not the tier thresholds: a trader moving a threshold must not rename every pattern.

3 pairs x 2 x 4 x 3 x 3 x 3 = 648 patterns, few enough to recur. The hash is the first 16 hex
digits of the SHA-256 of ``v1|PAIR|DIRECTION|session|vol|trend|band``: a change to these
definitions gets a new version prefix, so it starts new patterns instead of mixing histories.

Both entry points run ``setup_codes``, the one array function (the runtime on one window, the
backtest on every scan at once), with each sum taken in the same order, so they agree to the bit.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt

from domain.market.candles import MINUTE_MS, CandleWindow, Direction, FloatArray, IntArray, Pair
from domain.market.sessions import LONDON, NEW_YORK, TOKYO, session_mask
from domain.signals.patterns import PatternKey
from domain.signals.signal import Prediction

PATTERN_BARS = 61
VERSION = "v1"
_HOUR, _RECENT = PATTERN_BARS - 1, 15
_VOL_LOW, _VOL_HIGH, _TREND = 0.85, 1.15, 0.10
SESSIONS = ("off_hours", "tokyo", "london", "new_york")  # later wins an overlap
VOLS = ("low-vol", "mid-vol", "high-vol")
TRENDS = ("downtrend", "range", "uptrend")
BANDS = (("<60", "conf <60%"), ("60-70", "conf 60-70%"), ("70+", "conf 70%+"))
_BAND_EDGES = (0.60, 0.70)
NO_PATTERN = -1
Codes = npt.NDArray[np.int16]


def setup_codes(open_time_ms: IntArray, high: FloatArray, low: FloatArray, close: FloatArray,
                ends: IntArray) -> Codes:
    """The market part of the key for the window ending at each row of ``ends`` (session, then
    volatility, then trend, as one number 0..35); NO_PATTERN where fewer than PATTERN_BARS rows end there."""
    ends = np.asarray(ends, dtype=np.int64)
    codes = np.full(len(ends), NO_PATTERN, dtype=np.int16)
    ok = ends >= _HOUR
    e = ends[ok]
    if not len(e):
        return codes
    path, tr_hour, tr_recent = np.zeros(len(e)), np.zeros(len(e)), np.zeros(len(e))
    for back in range(_HOUR - 1, -1, -1):  # oldest first, one row at a time: the same order for every window
        row, previous = e - back, e - back - 1
        path += np.abs(close[row] - close[previous])
        true_range = np.maximum(high[row] - low[row], np.maximum(np.abs(high[row] - close[previous]),
                                                                 np.abs(low[row] - close[previous])))
        tr_hour += true_range
        if back < _RECENT:
            tr_recent += true_range
    net = close[e] - close[e - _HOUR]
    trend = np.where((net > 0) & (net >= _TREND * path), 2, np.where((net < 0) & (-net >= _TREND * path), 0, 1))
    ratio = tr_recent * (_HOUR / _RECENT)
    vol = np.where(ratio < _VOL_LOW * tr_hour, 0, np.where(ratio > _VOL_HIGH * tr_hour, 2, 1))
    codes[ok] = (_sessions(open_time_ms[e] + MINUTE_MS) * 3 + vol) * 3 + trend
    return codes


def _sessions(at_ms: IntArray) -> IntArray:
    session = np.zeros(len(at_ms), dtype=np.int64)
    for index, market in enumerate((TOKYO, LONDON, NEW_YORK), start=1):
        session[session_mask(at_ms, market)] = index
    return session


def band_of(probability: FloatArray) -> IntArray:
    """0, 1, 2 for below 60 %, 60-70 %, 70 % and above."""
    return np.searchsorted(np.array(_BAND_EDGES), np.asarray(probability, dtype=np.float64), side="right")


def pattern_codes(setup: Codes, direction: npt.NDArray[np.integer[Any]], probability: FloatArray) -> Codes:
    """The whole key of a pair as one number 0..215 (the setup, the direction's sign, the model's
    confidence band); NO_PATTERN where the setup has none."""
    setup = np.asarray(setup, dtype=np.int64)
    code = (setup * 2 + (np.asarray(direction) < 0)) * 3 + band_of(probability)
    return np.where(setup == NO_PATTERN, NO_PATTERN, code).astype(np.int16)


@lru_cache(maxsize=4096)
def pattern_for_code(pair: Pair, code: int) -> PatternKey:
    setup, band = divmod(code, 3)
    setup, short = divmod(setup, 2)
    session, rest = divmod(setup, 9)
    vol, trend = divmod(rest, 3)
    direction = Direction.SHORT if short else Direction.LONG
    parts = (VERSION, pair.symbol, direction.value, SESSIONS[session], VOLS[vol], TRENDS[trend], BANDS[band][0])
    digest = hashlib.sha256("|".join(parts).encode("ascii")).hexdigest()[:16]
    name = " ".join((pair.symbol, direction.value.lower(), SESSIONS[session], VOLS[vol], TRENDS[trend], BANDS[band][1]))
    return PatternKey(digest, name)


def pattern_of(window: CandleWindow, prediction: Prediction) -> PatternKey | None:
    """The pattern of the setup the window ends in; None when it holds fewer than PATTERN_BARS candles."""
    setup = setup_codes(window.open_time_ms, window.high, window.low, window.close, np.array([len(window) - 1]))
    code = int(pattern_codes(setup, np.array([prediction.direction.sign]), np.array([prediction.probability]))[0])
    return None if code == NO_PATTERN else pattern_for_code(window.pair, code)
