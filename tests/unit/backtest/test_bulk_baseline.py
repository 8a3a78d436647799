"""The baseline's bulk pass gives, bar by bar, exactly what its per-window predict gives."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from adapters.predictors.baseline import BaselineMomentumPredictor
from domain.market.candles import CandleWindow, Direction, Pair
from domain.market.quality import Ohlcv
from tests.fakes.series import random_walk

PAIR = Pair.parse("BTCUSDT")


def _series() -> Ohlcv:
    walk = random_walk(datetime(2024, 1, 1, tzinfo=UTC), 900, seed=3, price=30_000.0)
    close = walk.close.copy()
    close[300:380] = close[300]  # a flat stretch: no volatility, no prediction
    keep = np.ones(len(close), dtype=bool)
    keep[600:603] = False  # a three-minute gap: windows across it are not scored
    return Ohlcv(walk.open_time_ms[keep], walk.open[keep], walk.high[keep], walk.low[keep], close[keep],
                 walk.volume[keep])


def test_predict_many_equals_predict_on_every_window_to_the_bit() -> None:
    series = _series()
    predictor = BaselineMomentumPredictor()
    bulk = predictor.predict_many(PAIR, series)
    seen = {"none": 0, "long": 0, "short": 0}
    for i in range(len(series)):
        lo = max(0, i + 1 - predictor.lookback)
        window = CandleWindow(PAIR, *(getattr(series, c)[lo:i + 1]
                                      for c in ("open_time_ms", "open", "high", "low", "close", "volume")))
        single = predictor.predict(window)
        if single is None:
            seen["none"] += 1
            assert bulk.direction[i] == 0 and np.isnan(bulk.probability[i]), i
        else:
            seen["long" if single.direction is Direction.LONG else "short"] += 1
            assert bulk.probability[i] == single.probability, i  # exact, not approx
            assert bulk.direction[i] == single.direction.sign, i
    assert all(seen.values())  # every branch was exercised
    assert bulk.model == predictor.version


def test_predict_many_on_a_series_too_short_predicts_nothing() -> None:
    series = _series()
    bulk = BaselineMomentumPredictor().predict_many(PAIR, series.take(np.arange(30)))
    assert not bulk.direction.any() and np.isnan(bulk.probability).all()
