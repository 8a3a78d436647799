"""A trading policy served to the backtest engine as a ``BulkPredictor``, so the agent and the
supervised predictor can be compared by the runtime's own scan (tiers with hysteresis, ATR stops
and take profit, the maximum hold, fills drawn by pair x session) with the same costs.

At each minute bar that has a stored feature row, the policy sees the observation the trading
environment would give at that bar (``trading.observe``: the bar's row, nothing after it) with
the agent's own account part set to a flat, fresh account (no position, no unrealized or day
P/L): the engine, not the agent, holds the positions, opens and closes them. Its deterministic
action becomes the prediction: BUY long, SELL short, both at one fixed ``confidence``; HOLD no
prediction. A bar without a feature row (the set's warm-up, a gap) has no prediction either.

The fixed confidence is a choice, not a measurement: the deterministic action is the agent's
decision and carries no calibrated probability. A composition root sets it at the HIGH tier's
threshold so that the runtime's confidence machinery (the pattern shift, at most ``max_shift``
down) keeps every BUY and SELL at a tier, and the same for every seed.
"""

from __future__ import annotations

from collections.abc import Callable

import attrs
import numpy as np
import numpy.typing as npt

from application.backtest.ports import BulkPredictions, BulkPredictor
from application.features.ports import PairFeatures
from application.research.tape import build_tape
from application.research.trading import Action, TradingConfig, observe, start
from domain.market.candles import Pair
from domain.market.quality import Ohlcv

# observations (one row per bar) -> the policy's deterministic action per row (Action values)
Actions = Callable[[npt.NDArray[np.float32]], npt.NDArray[np.int64]]

_SIGN = {Action.HOLD: 0, Action.BUY: 1, Action.SELL: -1}


@attrs.frozen(eq=False)
class PolicyPredictor(BulkPredictor):
    """``rows``: the stored feature rows of the pair the policy trades (the set it was trained on);
    ``horizon_minutes``: the agent's decision interval (it only labels whether a call was right)."""

    rows: PairFeatures
    actions: Actions
    confidence: float
    name: str
    horizon_minutes: int
    config: TradingConfig = attrs.Factory(TradingConfig)

    def __attrs_post_init__(self) -> None:
        if not 0.5 < self.confidence <= 1.0:
            raise ValueError(f"confidence must be within (0.5, 1], got {self.confidence}")

    @property
    def lookback(self) -> int:
        return 1  # the bar's own stored row: the feature pipeline already read its past

    @property
    def version(self) -> str:
        return self.name

    def predict_many(self, pair: Pair, candles: Ohlcv) -> BulkPredictions:
        direction = np.zeros(len(candles), dtype=np.int8)
        probability = np.full(len(candles), np.nan)
        at, observations = self._observations(pair, candles)
        if len(at):
            signs = np.array([_SIGN[Action(int(a))] for a in self.actions(observations)], dtype=np.int8)
            direction[at] = signs
            probability[at] = np.where(signs != 0, self.confidence, np.nan)
        return BulkPredictions(direction, probability, self.name, self.horizon_minutes)

    def _observations(self, pair: Pair, candles: Ohlcv) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float32]]:
        """The candle index of every bar with a stored row, and the environment's observation there."""
        empty = np.empty(0, dtype=np.intp), np.empty((0, 0), dtype=np.float32)
        if pair != self.rows.pair:
            return empty
        held = np.isin(self.rows.open_time_ms, candles.open_time_ms)
        if held.sum() < 2:  # a tape needs two bars
            return empty
        rows = _take(self.rows, held)
        tape = build_tape(rows, candles, 1)
        flat = start(tape, 0, self.config)
        seen = np.stack([observe(tape, i, flat, self.config) for i in range(len(tape))])
        return np.searchsorted(candles.open_time_ms, tape.open_time_ms), seen


def _take(rows: PairFeatures, keep: npt.NDArray[np.bool_]) -> PairFeatures:
    return attrs.evolve(rows, open_time_ms=rows.open_time_ms[keep], segment=rows.segment[keep],
                        features={n: v[keep] for n, v in rows.features.items()}, labels={}, tags={})
