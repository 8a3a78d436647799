from __future__ import annotations

import numpy as np
import pytest

from domain.market.candles import MINUTE_MS
from domain.market.quality import (
    Ohlcv,
    QualityThresholds,
    RowProblem,
    check_quality,
    describe,
    extreme_returns,
    row_problems,
    zero_volume_runs,
)
from domain.market.quality_time import Gap, find_gaps, missing_minutes
from tests.fakes.candles import T0, drop_minutes, make_candles, with_value


def test_clean_series_has_no_problems() -> None:
    report = check_quality(make_candles(500))
    assert report.rows == 500
    assert report.row_errors == 0
    assert report.gap_count == 0 and report.missing_minutes == 0
    assert report.first_open_time_ms == T0
    assert report.last_open_time_ms == T0 + 499 * MINUTE_MS


def test_gaps_are_reported_as_ranges_of_missing_minutes() -> None:
    candles = drop_minutes(make_candles(100), 10, 11, 12, 50)
    report = check_quality(candles)
    assert report.gaps == [Gap(T0 + 10 * MINUTE_MS, T0 + 12 * MINUTE_MS), Gap(T0 + 50 * MINUTE_MS, T0 + 50 * MINUTE_MS)]
    assert [g.minutes for g in report.gaps] == [3, 1]
    assert report.missing_minutes == 4
    assert report.rows == 96  # gaps are reported, never filled


def test_find_gaps_and_missing_minutes_agree_on_a_random_pattern() -> None:
    rng = np.random.default_rng(3)
    t = np.sort(rng.choice(10_000, 6_000, replace=False)).astype(np.int64) * MINUTE_MS
    gaps = find_gaps(t)
    assert sum(g.minutes for g in gaps) == missing_minutes(t) == (t[-1] - t[0]) // MINUTE_MS + 1 - len(t)


@pytest.mark.parametrize(
    ("column", "value", "flag"),
    [
        ("high", 1.0, RowProblem.OHLC_INCONSISTENT),
        ("low", 1e9, RowProblem.OHLC_INCONSISTENT),
        ("open", -5.0, RowProblem.NON_POSITIVE_PRICE),
        ("volume", -1.0, RowProblem.NEGATIVE_VOLUME),
        ("close", float("nan"), RowProblem.NON_NUMERIC),
        ("open_time_ms", T0 + 5 * MINUTE_MS + 30_000, RowProblem.OFF_GRID),
    ],
)
def test_row_checks_flag_the_bad_row_only(column: str, value: float, flag: RowProblem) -> None:
    candles = with_value(make_candles(20), column, 7, value)
    flags = row_problems(candles)
    assert np.flatnonzero(flags).tolist() == [7]
    assert flags[7] & flag
    assert describe(int(flags[7]))


def test_duplicates_and_backward_times() -> None:
    candles = make_candles(10)
    shuffled = candles.take(np.array([0, 1, 2, 2, 3, 1, 4, 5]))
    flags = row_problems(shuffled)
    assert (flags[3] & RowProblem.DUPLICATE) and (flags[5] & RowProblem.DUPLICATE)
    assert flags[5] & RowProblem.NON_MONOTONIC
    assert flags[[0, 1, 2, 4, 6, 7]].tolist() == [0] * 6
    report = check_quality(shuffled)
    assert report.checks["duplicate"] == 2 and report.checks["non_monotonic"] == 1


def test_unit_mistake_in_a_row_is_flagged() -> None:
    candles = with_value(make_candles(10), "open_time_ms", 4, (T0 + 4 * MINUTE_MS) * 1000)
    flags = row_problems(candles)
    assert flags[4] & RowProblem.TIME_UNIT
    assert check_quality(candles).checks["time_unit"] == 1


def test_zero_volume_runs_break_at_gaps_and_respect_minimum() -> None:
    candles = make_candles(30)
    volume = candles.volume.copy()
    volume[[3, 4, 5, 6, 10, 20, 21, 22]] = 0
    candles = Ohlcv(candles.open_time_ms, candles.open, candles.high, candles.low, candles.close, volume)
    assert zero_volume_runs(candles, 3) == [(T0 + 3 * MINUTE_MS, 4), (T0 + 20 * MINUTE_MS, 3)]
    assert zero_volume_runs(drop_minutes(candles, 5), 3) == [(T0 + 20 * MINUTE_MS, 3)]
    checks = check_quality(candles, QualityThresholds(zero_volume_min_run=3)).checks
    assert (checks["zero_volume_rows"], checks["zero_volume_runs"], checks["longest_zero_volume_run"]) == (8, 2, 4)


def test_extreme_return_is_flagged_not_dropped() -> None:
    candles = make_candles(1000)
    close = candles.close.copy()
    close[500] *= 1.2
    high = np.maximum(candles.high, close)
    candles = Ohlcv(candles.open_time_ms, candles.open, high, candles.low, close, candles.volume)
    flagged = extreme_returns(candles, 25)
    assert np.flatnonzero(flagged).tolist() == [499, 500]  # the jump up and the jump back
    report = check_quality(candles)
    assert report.checks["extreme_returns"] == 2 and report.rows == 1000
    assert report.extreme_return_times_ms[0] == T0 + 500 * MINUTE_MS


def test_returns_across_a_gap_are_not_judged() -> None:
    candles = make_candles(100)
    close = candles.close.copy()
    close[50:] *= 2
    candles = Ohlcv(candles.open_time_ms, candles.open * np.where(np.arange(100) >= 51, 2, 1),
                    np.maximum(candles.high * np.where(np.arange(100) >= 50, 2, 1), close), candles.low, close,
                    candles.volume)
    assert extreme_returns(drop_minutes(candles, 49), 25).sum() == 0


def test_empty_series() -> None:
    report = check_quality(Ohlcv.empty())
    assert report.rows == 0 and report.first_open_time_ms is None and report.gaps == []
