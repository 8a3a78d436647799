"""The serving tail against the training calculator on real candles (../shared/data, never copied
into the project): scan windows of 400 candles at seeded random minutes of the first months of
each coin, gaps and empty minutes included, the last 60 rows compared."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from adapters.features import PandasFeatureCalculator
from domain.features.definitions import FeatureSpec
from domain.market.quality import Ohlcv

pytestmark = pytest.mark.shared_data

SPEC = FeatureSpec()
BIT_FOR_BIT = ("ret_1", "ret_5", "ret_15", "ret_60", "natr_14", "hl_range", "log_volume")


@pytest.mark.parametrize("pair", ["BTCUSDT", "ETHUSDT", "BNBUSDT"])
def test_the_last_rows_of_real_scan_windows_are_the_calculators(spot_1m_dir: Path, pair: str) -> None:
    frame = pd.read_csv(spot_1m_dir / f"{pair}.csv.gz", nrows=100_000)
    candles = Ohlcv(*(frame[c].to_numpy() for c in ("open_time", "open", "high", "low", "close", "volume")))
    calculator = PandasFeatureCalculator()
    largest = 0.0
    for end in np.random.default_rng(1).integers(400, len(candles), 300):
        part = candles.take(slice(end - 400, end))
        expected = calculator.market_features(part, SPEC)
        got = calculator.last_market_features(part, SPEC, 60)
        for name, values in got.items():
            want = expected[name][-60:]
            np.testing.assert_array_equal(np.isnan(values), np.isnan(want), err_msg=f"{name} at {end}")
            if name in BIT_FOR_BIT:
                np.testing.assert_array_equal(values, want, err_msg=f"{name} at {end}")
                continue
            np.testing.assert_allclose(values, want, rtol=1e-9, atol=0, err_msg=f"{name} at {end}")
            finite = np.isfinite(want) & (want != 0)
            largest = max(largest, float(np.max(np.abs(values[finite] / want[finite] - 1), initial=0.0)))
    print(f"{pair}: largest relative difference {largest:.2g}")
