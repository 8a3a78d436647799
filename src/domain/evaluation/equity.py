"""Drawdown on the equity curve (open positions marked to market), not on closed trades only: a
trade that sinks 4 % before it recovers to a small win is a 4 % drawdown, and FTMO's floors
measure equity, so that is what a trader must see.

A drawdown at time t is the running peak of equity up to t minus the equity at t. An episode runs
from the first point below the peak to the last before equity regains it (or to the end). The
maximum drawdown is the deepest point; the average drawdown is the mean depth of the episodes.
A curve that never falls has both at 0.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from domain.evaluation.figures import Stat
from domain.market.candles import IntArray, as_int_array

FloatArray = npt.NDArray[np.float64]


def _floats(values: object) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


@attrs.frozen(eq=False)
class EquitySeries:
    """Account equity (balance + open positions at their marks) at increasing UTC epoch milliseconds."""

    time_ms: IntArray = attrs.field(converter=as_int_array)
    equity: FloatArray = attrs.field(converter=_floats)

    def __attrs_post_init__(self) -> None:
        if self.time_ms.shape != self.equity.shape or self.time_ms.ndim != 1:
            raise ValueError("an equity series needs one equity per timestamp")
        if len(self.time_ms) > 1 and not bool(np.all(np.diff(self.time_ms) > 0)):
            raise ValueError("equity timestamps must increase")
        if not bool(np.all(np.isfinite(self.equity))):
            raise ValueError("equity must be finite")

    def __len__(self) -> int:
        return len(self.time_ms)


@attrs.frozen
class Drawdown:
    maximum: Stat  # money
    maximum_pct: Stat  # % of the peak it fell from
    average: Stat  # money, mean episode depth
    average_pct: Stat
    episodes: int

    def as_dict(self) -> dict[str, Any]:
        return {"maximum": self.maximum.as_dict(), "maximum_pct": self.maximum_pct.as_dict(),
                "average": self.average.as_dict(), "average_pct": self.average_pct.as_dict(),
                "episodes": self.episodes}


def drawdown(series: EquitySeries, trades: int) -> Drawdown:
    """The drawdown figures of ``series``, each standing on the ``trades`` that made the curve."""
    if not len(series):
        missing = Stat(None, trades, "no equity series")
        return Drawdown(missing, missing, missing, missing, 0)
    peak = np.maximum.accumulate(series.equity)
    depth = peak - series.equity
    with np.errstate(divide="ignore", invalid="ignore"):
        depth_pct = np.where(peak > 0, 100.0 * depth / peak, np.nan)
    under = depth > 0
    if not under.any():
        flat = Stat(0.0, trades, "equity never fell below its peak")
        return Drawdown(flat, flat, flat, flat, 0)
    starts = np.flatnonzero(under & ~np.concatenate([[False], under[:-1]]))
    # between two episodes the depth is 0, so each episode's deepest point is its segment's maximum
    deepest = np.maximum.reduceat(depth, starts)
    deepest_pct = np.fmax.reduceat(depth_pct, starts)  # fmax: a NaN (peak <= 0) does not win
    return Drawdown(Stat(float(depth.max()), trades), Stat(float(np.fmax.reduce(depth_pct)), trades),
                    Stat(float(deepest.mean()), trades), Stat(float(np.mean(deepest_pct)), trades), len(starts))
