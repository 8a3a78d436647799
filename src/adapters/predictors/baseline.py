"""The baseline predictor: a deterministic momentum rule, the reference trained models must beat.

Rule, on the last 61 closed 1-minute candles (no gap allowed):
    r   = ln(close[-1] / close[-16])                 the last 15 minutes' log return
    s   = std(1-minute log returns over 60 minutes)   realised volatility
    z   = r / (s * sqrt(15))                          momentum in units of 15-minute volatility
    direction   = LONG if z > 0, SHORT if z < 0       (no prediction when z == 0 or s == 0)
    probability = 1 / (1 + exp(-k * |z|)), k = 0.5   0.5 at no momentum, ~0.73 at |z| = 2

It bets that 15-minute momentum persists. The probability is a monotone score, not a calibrated
one: nothing here was fitted to data, so it should not be trusted as a win rate.
"""

from __future__ import annotations

import math

import numpy as np

from application.models.ports import Predictor
from domain.market.candles import CandleWindow, Direction
from domain.signals.signal import Prediction

HORIZON = 15
VOL_WINDOW = 60


class BaselineMomentumPredictor(Predictor):
    def __init__(self, steepness: float = 0.5) -> None:
        if steepness <= 0:
            raise ValueError(f"steepness must be > 0, got {steepness}")
        self._k = steepness

    @property
    def lookback(self) -> int:
        return VOL_WINDOW + 1

    @property
    def version(self) -> str:
        return f"baseline-momentum-k{self._k:g}"

    def predict(self, window: CandleWindow) -> Prediction | None:
        if len(window) < self.lookback or not window.is_contiguous():
            return None
        close = window.close[-self.lookback:]
        log_returns = np.diff(np.log(close))
        sigma = float(np.std(log_returns))
        if sigma == 0.0:
            return None
        z = math.log(close[-1] / close[-1 - HORIZON]) / (sigma * math.sqrt(HORIZON))
        if z == 0.0:
            return None
        probability = 1.0 / (1.0 + math.exp(-self._k * abs(z)))
        direction = Direction.LONG if z > 0 else Direction.SHORT
        return Prediction(direction=direction, probability=probability, horizon_minutes=HORIZON, model=self.version)
