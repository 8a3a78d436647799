"""The baseline predictor: a deterministic momentum rule, the reference trained models must beat.

Rule, on the last 61 closed 1-minute candles (no gap allowed):
    r   = ln(close[-1] / close[-16])                 the last 15 minutes' log return
    s   = std(1-minute log returns over 60 minutes)   realised volatility
    z   = r / (s * sqrt(15))                          momentum in units of 15-minute volatility
    direction   = LONG if z > 0, SHORT if z < 0       (no prediction when z == 0 or s == 0)
    probability = 1 / (1 + exp(-k * |z|)), k = 0.5   0.5 at no momentum, ~0.73 at |z| = 2

It bets that 15-minute momentum persists. The probability is a monotone score, not a calibrated
one: nothing here was fitted to data, so it should not be trusted as a win rate.

``predict`` (one window, the runtime) and ``predict_many`` (every bar of a series, the backtest)
run the same array code (``momentum_z``), so they agree to the last bit.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from application.backtest.ports import BulkPredictions, BulkPredictor
from application.models.ports import Predictor
from domain.market.candles import MINUTE_MS, CandleWindow, Direction, FloatArray, Pair
from domain.market.quality import Ohlcv
from domain.signals.signal import Prediction

HORIZON = 15
VOL_WINDOW = 60
_CHUNK = 65_536  # rows of the rolling std per pass: bounds the temporary to ~30 MB on long series


class BaselineMomentumPredictor(Predictor, BulkPredictor):
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
        z = float(momentum_z(window.close[-self.lookback:])[-1])
        if not math.isfinite(z) or z == 0.0:
            return None
        probability = float(_probability(np.array([z]), self._k)[0])
        direction = Direction.LONG if z > 0 else Direction.SHORT
        return Prediction(direction=direction, probability=probability, horizon_minutes=HORIZON, model=self.version)

    def predict_many(self, pair: Pair, candles: Ohlcv) -> BulkPredictions:
        """Bar i scored on the ``lookback`` bars ending at it, as ``predict`` scores that window."""
        close = np.ascontiguousarray(candles.close, dtype=np.float64)
        open_time_ms = np.asarray(candles.open_time_ms, dtype=np.int64)
        z = momentum_z(close)
        span = self.lookback - 1
        contiguous = np.zeros(len(close), dtype=bool)
        if len(close) > span:
            # strictly increasing open times: the window has no gap exactly when it spans lookback-1 minutes
            contiguous[span:] = open_time_ms[span:] - open_time_ms[:-span] == span * MINUTE_MS
        usable = contiguous & np.isfinite(z) & (z != 0.0)
        probability = np.full(len(close), np.nan)
        probability[usable] = _probability(z[usable], self._k)
        direction = np.where(usable, np.sign(np.where(usable, z, 0.0)), 0).astype(np.int8)
        return BulkPredictions(direction, probability, self.version, HORIZON)


def momentum_z(close: FloatArray) -> FloatArray:
    """z of the rule at every bar with ``VOL_WINDOW`` returns behind it (NaN before, and where the
    volatility is 0): one array pass, whether for the last bar of a window or a whole series."""
    z = np.full(len(close), np.nan)
    if len(close) < VOL_WINDOW + 1:
        return z
    log_returns = np.diff(np.log(close))
    windows = sliding_window_view(log_returns, VOL_WINDOW)  # row j: the returns ending at bar j + VOL_WINDOW
    sigma = np.empty(len(windows))
    for start in range(0, len(windows), _CHUNK):
        sigma[start:start + _CHUNK] = np.std(windows[start:start + _CHUNK], axis=1)
    momentum = np.log(close[VOL_WINDOW:] / close[VOL_WINDOW - HORIZON:len(close) - HORIZON])
    with np.errstate(divide="ignore", invalid="ignore"):
        z[VOL_WINDOW:] = np.where(sigma > 0, momentum / (sigma * math.sqrt(HORIZON)), np.nan)
    return z


def _probability(z: FloatArray, k: float) -> FloatArray:
    result: FloatArray = 1.0 / (1.0 + np.exp(-k * np.abs(z)))
    return result
