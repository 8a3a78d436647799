"""The random-direction baseline: seeded by (seed, bar), so one window and the bulk pass agree on
every bar, a rerun repeats it, another seed does not."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from adapters.predictors.random_direction import RandomDirectionPredictor
from application.backtest.ports import BulkPredictor
from application.models.ports import Predictor
from domain.market.candles import CandleWindow, Pair
from domain.market.quality import Ohlcv
from tests.fakes.series import random_walk

PAIR = Pair.parse("BTCUSDT")


def _series() -> Ohlcv:
    walk = random_walk(datetime(2024, 1, 1, tzinfo=UTC), 600, seed=5)
    keep = np.ones(len(walk), dtype=bool)
    keep[200:230] = False  # a gap changes nothing: each bar's draw is its own
    return walk.take(keep)


def test_predict_many_equals_predict_on_every_window() -> None:
    series, predictor = _series(), RandomDirectionPredictor(seed=42, probability=0.55)
    bulk = predictor.predict_many(PAIR, series)
    for i in range(len(series)):
        lo = max(0, i - 14)
        window = CandleWindow(PAIR, *(getattr(series, c)[lo:i + 1]
                                      for c in ("open_time_ms", "open", "high", "low", "close", "volume")))
        single = predictor.predict(window)
        assert single is not None
        assert (single.direction.sign, single.probability) == (bulk.direction[i], bulk.probability[i]), i
        assert single.horizon_minutes == bulk.horizon_minutes and single.model == bulk.model


def test_the_draw_is_fixed_by_the_seed_and_balanced() -> None:
    series = _series()
    first = RandomDirectionPredictor(seed=7).predict_many(PAIR, series).direction
    again = RandomDirectionPredictor(seed=7).predict_many(PAIR, series).direction
    other = RandomDirectionPredictor(seed=8).predict_many(PAIR, series).direction
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert set(np.unique(first)) == {-1, 1}
    many = RandomDirectionPredictor(seed=7).directions(np.arange(100_000, dtype=np.int64) * 60_000)
    assert abs(float(many.mean())) < 0.02  # a fair coin: 100,000 tosses sit within +-0.006 (1 sd 0.003)


def test_it_serves_both_ports_and_names_its_seed() -> None:
    predictor = RandomDirectionPredictor(seed=3, probability=0.6)
    runtime: Predictor = predictor
    bulk: BulkPredictor = predictor
    assert runtime.lookback == bulk.lookback == 1
    assert predictor.version == "random-direction-seed3-p0.6" and predictor.seed == 3
    assert predictor.predict(CandleWindow(PAIR, *([] for _ in range(6)))) is None  # type: ignore[arg-type]


def test_it_refuses_a_negative_seed_or_a_probability_below_a_call() -> None:
    with pytest.raises(ValueError, match="seed"):
        RandomDirectionPredictor(seed=-1)
    with pytest.raises(ValueError, match="probability"):
        RandomDirectionPredictor(seed=1, probability=0.4)
