"""Ports the backtest drives: a predictor that scores a whole series at once, and the costs.

``CostModel`` is a seam: today it hands out the instruments' p90 costs (domain.execution.instruments),
the ones the runtime's guard and paper broker use; the measured execution model replaces it without
touching the engine.
"""

from __future__ import annotations

from typing import Protocol

import attrs
import numpy as np
import numpy.typing as npt

from domain.execution.instruments import Instruments
from domain.market.candles import FloatArray, IntArray


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

    def predict_many(self, open_time_ms: IntArray, close: FloatArray) -> BulkPredictions:
        """Score every bar of a series at once, exactly as ``predict`` scores each window."""
        ...


class CostModel(Protocol):
    def instruments(self) -> Instruments:
        """The specs (contract size, commission, p90 spread and slippage) fills and sizing use."""
        ...


@attrs.frozen
class P90Costs(CostModel):
    """The placeholder p90 costs of the instruments catalogue, as the runtime uses them today."""

    catalogue: Instruments = attrs.Factory(Instruments)

    def instruments(self) -> Instruments:
        return self.catalogue
