"""The random-direction baseline: a coin toss per bar, the "better than nothing?" a strategy must beat.

Every bar gets LONG or SHORT from a hash of (seed, the bar's open time), with one fixed
probability. The probability is set at the LOW tier's threshold, so the runtime trades these calls
at LOW with the exits, sizing, guard and costs of any other signal: what is left to compare is the
direction alone.

The draw depends on the seed and the bar only, never on which bars were drawn before, so
``predict`` (one window, the runtime) and ``predict_many`` (a series, the backtest) agree on every
bar exactly, and a backtest that skips scans draws what a replay draws. The hash is splitmix64's
finaliser (a bijection on 64-bit integers with good avalanche), over the open time offset by a
key the seed expands to through numpy's SeedSequence.
"""

from __future__ import annotations

import numpy as np

from application.backtest.ports import BulkPredictions, BulkPredictor
from application.models.ports import Predictor
from domain.market.candles import CandleWindow, Direction, IntArray, Pair
from domain.market.quality import Ohlcv
from domain.signals.signal import Prediction

HORIZON = 15  # the momentum baseline's, so both baselines are labelled over the same horizon


class RandomDirectionPredictor(Predictor, BulkPredictor):
    def __init__(self, seed: int, probability: float = 0.55) -> None:
        if seed < 0:
            raise ValueError(f"seed must be >= 0, got {seed}")
        if not 0.5 <= probability <= 1.0:
            raise ValueError(f"probability must be within [0.5, 1], got {probability}")
        self._seed = seed
        self._probability = float(probability)
        self._key = np.random.SeedSequence(seed).generate_state(1, dtype=np.uint64)

    @property
    def lookback(self) -> int:
        return 1

    @property
    def seed(self) -> int:
        return self._seed

    @property
    def version(self) -> str:
        return f"random-direction-seed{self._seed}-p{self._probability:g}"

    def predict(self, window: CandleWindow) -> Prediction | None:
        if len(window) < self.lookback:
            return None
        sign = int(self.directions(window.open_time_ms[-1:])[0])
        direction = Direction.LONG if sign > 0 else Direction.SHORT
        return Prediction(direction=direction, probability=self._probability, horizon_minutes=HORIZON,
                          model=self.version)

    def predict_many(self, pair: Pair, candles: Ohlcv) -> BulkPredictions:
        directions = self.directions(np.asarray(candles.open_time_ms, dtype=np.int64))
        return BulkPredictions(directions, np.full(len(directions), self._probability), self.version, HORIZON)

    def directions(self, open_time_ms: IntArray) -> np.ndarray:
        """+1 or -1 per bar: the top bit of the bar's hash."""
        mixed = _splitmix64(np.asarray(open_time_ms).astype(np.uint64) + self._key[0])
        return np.where(mixed >> np.uint64(63), 1, -1).astype(np.int8)


def _splitmix64(x: np.ndarray) -> np.ndarray:
    # uint64 arithmetic wraps modulo 2**64, which is the hash's definition
    with np.errstate(over="ignore"):
        z = x + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))
