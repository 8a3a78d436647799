"""How good the direction call is at each tier, in terms a trader uses.

For the trades of a tier (or of all tiers, ``ALL``):

- precision: the share of its calls whose direction was right over the prediction's horizon
  (right / calls whose outcome is known; a call whose horizon candle is missing counts in neither);
- recall: of every right call the strategy made, the share a trader keeps by taking this tier and
  the ones above it only (right calls at this tier or higher / all right calls). LOW keeps every
  call, so its recall is 1 whenever there is a right call; HIGH's says what the filter costs;
- win rate: the share of its trades closed with P/L > 0, after costs. A right direction can still
  lose (the stop is hit before the move), so win rate and precision differ.

Each is a ``Rate``, with its Wilson 95 % interval and the trades it stands on.
"""

from __future__ import annotations

from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from domain.evaluation.figures import Rate
from domain.evaluation.trades import TradeArrays
from domain.signals.signal import Tier

ALL = "ALL"
TIER_ORDER: tuple[str, ...] = (Tier.LOW.value, Tier.MEDIUM.value, Tier.HIGH.value, ALL)


@attrs.frozen
class TierFigures:
    tier: str
    trades: int
    precision: Rate
    recall: Rate
    win_rate: Rate

    def as_dict(self) -> dict[str, Any]:
        return {"tier": self.tier, "trades": self.trades, "precision": self.precision.as_dict(),
                "recall": self.recall.as_dict(), "win_rate": self.win_rate.as_dict()}


def tier_figures(columns: TradeArrays) -> tuple[TierFigures, ...]:
    """One row per tier, LOW to HIGH, then ALL; a tier without trades has n = 0 everywhere but recall."""
    right = columns.right == 1
    all_right = int(np.count_nonzero(right))
    rows = []
    for name in TIER_ORDER:
        here = tier_mask(columns, name)
        rank = 0 if name == ALL else Tier(name).rank
        known = here & (columns.right >= 0)
        kept = int(np.count_nonzero(right & (columns.tier_rank >= rank)))
        rows.append(TierFigures(
            tier=name, trades=int(np.count_nonzero(here)),
            precision=Rate(int(np.count_nonzero(here & right)), int(np.count_nonzero(known))),
            recall=Rate(kept, all_right, "no right call to recall"),
            win_rate=Rate(int(np.count_nonzero(here & columns.won)), int(np.count_nonzero(here))),
        ))
    return tuple(rows)


def tier_mask(columns: TradeArrays, name: str) -> npt.NDArray[np.bool_]:
    """The trades of tier ``name`` (every trade for ``ALL``)."""
    return np.ones(len(columns), dtype=bool) if name == ALL else columns.tier_rank == Tier(name).rank
