"""A trade as the metrics read it, whatever produced it (a backtest, a replay, the live book)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime

import attrs
import numpy as np
import numpy.typing as npt

from domain.execution.costs import OFF_HOURS, SESSION_NAMES
from domain.market.candles import Direction, require_utc
from domain.market.sessions import active_sessions
from domain.signals.signal import Tier


def sessions_at(moment: datetime) -> tuple[str, ...]:
    """The sessions open at ``moment`` in ``SESSION_NAMES`` order (London and New York overlap, so
    a moment can be in two), or ``(OFF_HOURS,)`` when none is: the session definition of the
    execution costs (domain.market.sessions)."""
    open_now = active_sessions(moment)
    return tuple(s for s in SESSION_NAMES if s in open_now) or (OFF_HOURS,)


def _utc(value: datetime) -> datetime:
    return require_utc(value, "trade time")


def _sessions(value: Sequence[str]) -> tuple[str, ...]:
    sessions = tuple(value)
    unknown = [s for s in sessions if s not in SESSION_NAMES]
    if unknown or not sessions:
        raise ValueError(f"sessions must be some of {', '.join(SESSION_NAMES)}, got {sessions!r}")
    return sessions


@attrs.frozen
class EvaluatedTrade:
    """``probability``: what the predictor gave the called direction (the signal's confidence).
    ``direction_right``: whether the price moved the called way over the prediction's horizon,
    None when the candle at the horizon is missing. ``sessions``: those open at the signal."""

    tier: Tier
    direction: Direction
    probability: float = attrs.field(converter=float)
    pnl: float = attrs.field(converter=float)
    r_multiple: float = attrs.field(converter=float)
    opened_at: datetime = attrs.field(converter=_utc)
    closed_at: datetime = attrs.field(converter=_utc)
    sessions: tuple[str, ...] = attrs.field(converter=_sessions)
    direction_right: bool | None = None

    def __attrs_post_init__(self) -> None:
        if not 0.0 <= self.probability <= 1.0:
            raise ValueError(f"probability must be within [0, 1], got {self.probability}")
        if not (math.isfinite(self.pnl) and math.isfinite(self.r_multiple)):
            raise ValueError(f"pnl and r_multiple must be finite, got {self.pnl}, {self.r_multiple}")
        if self.closed_at < self.opened_at:
            raise ValueError(f"a trade closes after it opens: {self.opened_at} -> {self.closed_at}")

    @property
    def won(self) -> bool:
        return self.pnl > 0


@attrs.frozen(eq=False)
class TradeArrays:
    """The columns of a trade list, built once for the vectorised figures."""

    tier_rank: npt.NDArray[np.int8]
    probability: npt.NDArray[np.float64]
    won: npt.NDArray[np.bool_]
    pnl: npt.NDArray[np.float64]
    r_multiple: npt.NDArray[np.float64]
    right: npt.NDArray[np.int8]  # 1 right, 0 wrong, -1 unknown

    @classmethod
    def of(cls, trades: Sequence[EvaluatedTrade]) -> TradeArrays:
        return cls(
            np.array([t.tier.rank for t in trades], dtype=np.int8),
            np.array([t.probability for t in trades], dtype=np.float64),
            np.array([t.won for t in trades], dtype=bool),
            np.array([t.pnl for t in trades], dtype=np.float64),
            np.array([t.r_multiple for t in trades], dtype=np.float64),
            np.array([-1 if t.direction_right is None else int(t.direction_right) for t in trades], dtype=np.int8),
        )

    def __len__(self) -> int:
        return len(self.pnl)
