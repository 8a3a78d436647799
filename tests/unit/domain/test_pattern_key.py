"""The pattern key: a stable, readable, coarse name of the setup a scan read, from its window alone."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import numpy as np
import pytest

from domain.market.candles import MINUTE_MS, Direction, Pair, datetime_to_ms
from domain.market.quality import COLUMNS, Ohlcv
from domain.signals.confidence import PatternSettings, adjust_for_pattern, adjust_many
from domain.signals.pattern_key import PATTERN_BARS, pattern_codes, pattern_for_code, pattern_of, setup_codes
from domain.signals.patterns import PatternRecord
from domain.signals.signal import Prediction
from tests.fakes.series import random_walk

BTC = Pair("BTCUSDT")
# Tuesday 2024-03-05 10:00 UTC: London (09:00-18:00 UTC in winter) is open, New York is not yet
LONDON_MORNING = datetime(2024, 3, 5, 9, 0, tzinfo=UTC)


def _series(close: np.ndarray, start: datetime = LONDON_MORNING, wick: float = 0.5) -> Ohlcv:
    opens = np.concatenate([[close[0]], close[:-1]])
    t = datetime_to_ms(start) + MINUTE_MS * np.arange(len(close), dtype=np.int64)
    return Ohlcv(t, opens, np.maximum(opens, close) + wick, np.minimum(opens, close) - wick, close,
                 np.ones(len(close)))


def _window(series: Ohlcv, last: int, bars: int = PATTERN_BARS):
    return series.closed_window(BTC, int(series.open_time_ms[last]) + MINUTE_MS, bars)


def test_a_steady_climb_in_the_london_morning_is_named_as_a_trader_reads_it() -> None:
    series = _series(100.0 + 0.3 * np.arange(61))
    key = pattern_of(_window(series, 60), Prediction(Direction.LONG, 0.66))
    assert key is not None and key.name == "BTCUSDT long london mid-vol uptrend conf 60-70%"
    expected = hashlib.sha256(b"v1|BTCUSDT|LONG|london|mid-vol|uptrend|60-70").hexdigest()[:16]
    assert key.pattern_hash == expected  # documented: stable across runs, machines and versions of the code


def test_the_trend_volatility_session_and_band_buckets() -> None:
    fall = _series(100.0 - 0.3 * np.arange(61), start=datetime(2024, 3, 9, 9, 0, tzinfo=UTC))  # a Saturday
    assert pattern_of(_window(fall, 60), Prediction(Direction.SHORT, 0.72)).name == (
        "BTCUSDT short off_hours mid-vol downtrend conf 70%+")
    # flat hour whose last 15 minutes swing wide: range, high volatility; 15:00 UTC: London and New York overlap
    close = np.full(61, 100.0)
    close[-15:] += np.tile([2.0, -2.0], 8)[:15]
    wide = _series(close, start=datetime(2024, 3, 5, 14, 0, tzinfo=UTC), wick=0.1)
    assert pattern_of(_window(wide, 60), Prediction(Direction.LONG, 0.56)).name == (
        "BTCUSDT long new_york high-vol range conf <60%")
    close = 100.0 + np.tile([1.0, -1.0], 31)[:61]
    close[-15:] = 100.0  # quiet last quarter hour, 02:00 UTC is Tokyo's morning
    quiet = _series(close, start=datetime(2024, 3, 5, 1, 0, tzinfo=UTC), wick=0.0)
    assert pattern_of(_window(quiet, 60), Prediction(Direction.LONG, 0.60)).name == (
        "BTCUSDT long tokyo low-vol range conf 60-70%")


def test_few_patterns_each_with_its_own_hash_and_name() -> None:
    keys = [pattern_for_code(BTC, c) for c in range(216)]
    assert len({k.pattern_hash for k in keys}) == len({k.name for k in keys}) == 216
    assert all(len(k.name) <= 120 for k in keys)
    codes = pattern_codes(np.arange(36), np.ones(36), np.full(36, 0.65))
    assert codes.min() >= 0 and codes.max() < 216


def test_a_window_shorter_than_an_hour_has_no_pattern() -> None:
    series = _series(100.0 + np.arange(61.0))
    assert pattern_of(_window(series, 59, bars=60), Prediction(Direction.LONG, 0.7)) is None


def _splice(before: Ohlcv, after: Ohlcv, at: int) -> Ohlcv:
    """``before``'s rows up to ``at`` (excluded), ``after``'s from there on."""
    return Ohlcv(*(np.concatenate([getattr(before, c)[:at], getattr(after, c)[at:]]) for c in COLUMNS))


def test_the_key_reads_no_candle_after_the_scan_nor_before_its_hour() -> None:
    series = random_walk(LONDON_MORNING, 600, seed=5)
    ends = np.arange(60, 600)
    codes = setup_codes(series.open_time_ms, series.high, series.low, series.close, ends)
    assert codes.tolist() == setup_codes(series.open_time_ms, series.high, series.low, series.close, ends).tolist()
    rewritten = Ohlcv(series.open_time_ms, series.open, series.high * 3, series.low / 3, series.close * 2,
                      series.volume)
    for cut in (100, 300, 450):
        future = _splice(series, rewritten, cut + 1)  # every candle after row ``cut`` changed ...
        seen = setup_codes(future.open_time_ms, future.high, future.low, future.close, ends)
        assert seen[ends <= cut].tolist() == codes[ends <= cut].tolist()  # ... changes no key up to it
        assert seen[ends > cut].tolist() != codes[ends > cut].tolist()  # (the change is one a key would see)
        past = _splice(rewritten, series, cut - PATTERN_BARS + 1)  # and nothing before the key's hour counts
        assert setup_codes(past.open_time_ms, past.high, past.low, past.close, np.array([cut]))[0] == codes[cut - 60]
    prediction = Prediction(Direction.SHORT, 0.63)
    assert pattern_of(_window(series, 300), prediction) == pattern_of(_window(series, 300), prediction)


def test_every_window_of_a_series_at_once_equals_each_window_alone() -> None:
    series = random_walk(LONDON_MORNING, 3000, seed=9)
    ends = np.arange(len(series))
    bulk = setup_codes(series.open_time_ms, series.high, series.low, series.close, ends)
    alone = [setup_codes(w.open_time_ms, w.high, w.low, w.close, np.array([len(w) - 1]))[0]
             for w in (_window(series, int(e)) for e in ends)]
    assert bulk.tolist() == alone
    assert (bulk[:60] == -1).all() and len(set(bulk[60:].tolist())) >= 20  # the buckets recur and spread


def test_the_array_adjustment_is_the_scalar_one_to_the_bit() -> None:
    rng = np.random.default_rng(3)
    confidence = rng.uniform(0.4, 0.9, 2000)
    total = rng.integers(0, 80, 2000)
    wins = np.floor(rng.uniform(0, 1, 2000) * (total + 1)).astype(np.int64)
    for settings in (PatternSettings(), PatternSettings(min_samples=3, weight=1.0, max_shift=0.3)):
        array = adjust_many(confidence, wins, total, settings)
        scalar = [adjust_for_pattern(c, PatternRecord("h", "n", int(w), int(t)) if t else None, settings)
                  for c, w, t in zip(confidence, wins, total, strict=True)]
        assert array.tolist() == scalar
    with pytest.raises(ValueError, match="wins"):
        adjust_many(np.array([0.6]), np.array([3]), np.array([2]))
