"""Ports the backtest drives: a predictor that scores a whole series at once, and the costs.

``CostModel`` is the seam for the costs: the instruments' p90s the guard sizes with
(domain.execution.instruments), and the fill costs drawn by pair x session from the execution model
(domain.execution.sampling), the very ones the runtime's paper broker draws, so a backtest and a
replay pay alike.
"""

from __future__ import annotations

from typing import Protocol

import attrs
import numpy as np
import numpy.typing as npt

from domain.execution.instruments import Instruments
from domain.execution.sampling import FillCosts
from domain.market.candles import FloatArray, Pair
from domain.market.quality import Ohlcv


@attrs.frozen(eq=False)
class BulkPredictions:
    """Per bar i, what ``Predictor.predict`` says on the window ending at bar i: ``direction`` +1
    (long), -1 (short) or 0 (no prediction), ``probability`` NaN where there is none."""

    direction: npt.NDArray[np.int8]
    probability: FloatArray
    model: str
    horizon_minutes: int

    def __attrs_post_init__(self) -> None:
        if len(self.direction) != len(self.probability):
            raise ValueError("direction and probability must have one row per bar")


class BulkPredictor(Protocol):
    @property
    def lookback(self) -> int: ...

    @property
    def version(self) -> str: ...

    def predict_many(self, pair: Pair, candles: Ohlcv) -> BulkPredictions:
        """Score every bar of ``pair``'s series at once, as ``predict`` scores the window of
        ``lookback`` candles ending at each bar (a trained model reads OHLCV, not closes alone)."""
        ...


class CostModel(Protocol):
    def instruments(self) -> Instruments:
        """The specs (contract size, commission, p90 spread and slippage) sizing uses."""
        ...

    def fills(self) -> FillCosts:
        """What each fill pays, by pair x session; the latency penalty reads its p90 slippage."""
        ...


@attrs.frozen
class P90Costs(CostModel):
    """The catalogue's p90 costs for sizing; fills pay ``fill_costs`` (by default the same p90s)."""

    catalogue: Instruments = attrs.Factory(Instruments)
    fill_costs: FillCosts = attrs.Factory(FillCosts)

    def instruments(self) -> Instruments:
        return self.catalogue

    def fills(self) -> FillCosts:
        return self.fill_costs
