"""The serving tail (adapters/features/tail.py) against the training calculator on the same
candles: every feature of the last rows, with gaps, a missing close, empty bars and a flat hour.
The element-wise columns and Wilder's ATR are bit-identical; the rolling windows are summed per
window where pandas keeps running sums, so they agree to rounding (rtol 1e-9, in fact ~1e-12)."""

from __future__ import annotations

import numpy as np
import pytest

from adapters.features import PandasFeatureCalculator
from adapters.features.indicators import true_range, wilder_atr
from adapters.features.tail import last_market_features, wilder_atr_stepwise
from domain.features.definitions import FeatureSpec
from domain.market.quality import Ohlcv
from tests.fakes.candles import drop_minutes, make_candles

SPEC = FeatureSpec()
CALC = PandasFeatureCalculator()
BIT_FOR_BIT = ("ret_1", "ret_5", "ret_15", "ret_60", "natr_14", "hl_range", "log_volume")
COLUMNS = ("open_time_ms", "open", "high", "low", "close", "volume")
FLAT = slice(2000, 2090)


def awkward_candles() -> Ohlcv:
    """3,000 minutes less four (three gaps, one of two minutes), a missing close, empty bars and
    a flat stretch (no price move, the same volume every bar: windows of one repeated value)."""
    series = make_candles(3000, seed=7)
    columns = {name: getattr(series, name).copy() for name in COLUMNS}
    columns["volume"][1200:1215] = 0.0
    for name in ("open", "high", "low", "close"):
        columns[name][FLAT] = columns["close"][FLAT.start - 1]
    columns["volume"][FLAT] = 5.0
    columns["close"][2500] = np.nan
    return drop_minutes(Ohlcv(**columns), 400, 1600, 1601, 2800)


@pytest.mark.parametrize("rows", [1, 60, 500])
def test_the_last_rows_are_the_calculators_on_the_same_candles(rows: int) -> None:
    candles = awkward_candles()
    compared, largest = 0, 0.0
    for end in range(30, len(candles) + 1, 11):
        part = candles.take(slice(max(0, end - 400), end))  # a scan's window: at most 400 candles
        expected = CALC.market_features(part, SPEC)
        got = last_market_features(part, SPEC, rows)
        assert set(got) == set(SPEC.market_columns())
        for name, values in got.items():
            want = expected[name][-rows:]
            assert len(values) == len(want), (end, name)
            np.testing.assert_array_equal(np.isnan(values), np.isnan(want), err_msg=f"{name} at {end}")
            if name in BIT_FOR_BIT:
                np.testing.assert_array_equal(values, want, err_msg=f"{name} at {end}")
            else:
                np.testing.assert_allclose(values, want, rtol=1e-9, atol=0, err_msg=f"{name} at {end}")
                finite = np.isfinite(want) & (want != 0)
                largest = max(largest, float(np.max(np.abs(values[finite] / want[finite] - 1), initial=0.0)))
            compared += int(np.isfinite(want).sum())
    print(f"rows {rows}: {compared} finite values agree, largest relative difference {largest:.2g}")
    assert compared > 1000 * min(rows, 13)


def test_windows_of_one_repeated_value_are_exact() -> None:
    # pandas answers a flat window with the value itself and a deviation of exactly 0; a summed
    # window would leave rounding noise, and volume_z would divide noise by noise
    candles = awkward_candles()
    end = int(np.searchsorted(candles.open_time_ms, make_candles(3000, seed=7).open_time_ms[FLAT.stop - 1])) + 1
    part = candles.take(slice(end - 400, end))
    got = last_market_features(part, SPEC, 1)
    expected = CALC.market_features(part, SPEC)
    for name in ("rv_15", "rv_60", "volume_z_60", "hl_range_15"):
        assert got[name][-1] == expected[name][-1] == 0.0, name


@pytest.mark.parametrize("period", [2, 14])
def test_the_stepwise_atr_is_pandas_recursion_bit_for_bit(period: int) -> None:
    rng = np.random.default_rng(3)
    tr = rng.uniform(0.1, 2.0, 600)
    tr[0] = np.nan  # a run's first bar has no previous close
    tr[200:203] = np.nan  # a missing close makes two true ranges NaN
    tr[300:310] = 1.25  # equal steps: pandas skips the update
    for part in (tr, tr[:period], tr[:period + 1], tr[:150]):
        np.testing.assert_array_equal(wilder_atr_stepwise(part, period), wilder_atr(part, period))
    seedless = tr.copy()
    seedless[1] = np.nan  # a NaN seed: the recursion starts at the first true range it sees
    np.testing.assert_array_equal(wilder_atr_stepwise(seedless, period), wilder_atr(seedless, period))


def test_the_atr_of_real_true_ranges_is_bit_for_bit() -> None:
    candles = make_candles(2000, seed=9)
    tr = true_range(candles.high, candles.low, candles.close)
    assert wilder_atr_stepwise(tr, 14).tobytes() == wilder_atr(tr, 14).tobytes()
