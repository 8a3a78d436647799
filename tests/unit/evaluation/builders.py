"""Hand-built trades for the evaluation tests: every field defaulted but the ones a test is about."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.evaluation import EquitySeries, EvaluatedTrade
from domain.features.splits import Period
from domain.market.candles import Direction
from domain.signals.signal import Tier

# a Wednesday, 10:00 UTC: London is open, New York and Tokyo are not
T0 = datetime(2024, 3, 6, 10, 0, tzinfo=UTC)
DAY = Period("day", T0, T0 + timedelta(days=1))
NO_EQUITY = EquitySeries([], [])


def trade(pnl: float = 10.0, *, tier: Tier = Tier.LOW, probability: float = 0.6, r: float | None = None,
          right: bool | None = True, minute: int = 0, hold: int = 10, sessions: tuple[str, ...] = ("london",),
          direction: Direction = Direction.LONG) -> EvaluatedTrade:
    opened = T0 + timedelta(minutes=minute)
    return EvaluatedTrade(tier=tier, direction=direction, probability=probability, pnl=pnl,
                          r_multiple=pnl / 10.0 if r is None else r, opened_at=opened,
                          closed_at=opened + timedelta(minutes=hold), sessions=sessions, direction_right=right)
