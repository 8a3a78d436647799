"""The FeatureCalculator port over pandas: the series is cut into contiguous runs and every
run is computed on its own, so no window or recursion crosses a gap. The last rows alone (the
runtime's one bar per scan) are computed with numpy (tail.py), whose per-call cost is far lower."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from adapters.features.indicators import run_features
from adapters.features.tail import last_market_features
from application.features.ports import FeatureCalculator
from domain.features.definitions import OPTIONAL_INPUTS, FeatureSpec, contiguous_runs
from domain.market.candles import FloatArray
from domain.market.quality import Ohlcv


class PandasFeatureCalculator(FeatureCalculator):
    def market_features(self, candles: Ohlcv, spec: FeatureSpec,
                        extras: Mapping[str, FloatArray] | None = None) -> dict[str, FloatArray]:
        extras = {k: np.asarray(v, dtype=np.float64) for k, v in (extras or {}).items()}
        unknown = sorted(set(extras) - set(OPTIONAL_INPUTS))
        if unknown:
            raise ValueError(f"unknown optional inputs {unknown}; known: {list(OPTIONAL_INPUTS)}")
        for name, values in extras.items():
            if len(values) != len(candles):
                raise ValueError(f"optional input {name} has {len(values)} rows, candles have {len(candles)}")
        names = spec.market_columns(tuple(extras))
        n = len(candles)
        out = {name: np.full(n, np.nan) for name in names}
        columns = {"open": candles.open, "high": candles.high, "low": candles.low, "close": candles.close,
                   "volume": candles.volume, **extras}
        for lo, hi in contiguous_runs(candles.open_time_ms).bounds():
            frame = pd.DataFrame({k: v[lo:hi] for k, v in columns.items()}, copy=False)
            for name, values in run_features(frame, spec).items():
                out[name][lo:hi] = values
        return out

    def last_market_features(self, candles: Ohlcv, spec: FeatureSpec, rows: int) -> dict[str, FloatArray]:
        return last_market_features(candles, spec, rows)
