"""Hand-built trade lists for the challenge simulator's tests (a plain module, imported by name).

Times are given as Prague wall-clock times, so a test reads the way FTMO's day boundary is
described; P/L and 1R are whole dollars on a 100,000 account, so every sum is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from domain.challenge import Attempts, BacktestTrade, Outcomes, Scaling, Timeline, historical, simulate, timeline
from domain.risk import PRAGUE, RiskSettings

INITIAL = 100_000.0
TWO_STEP = RiskSettings()
ONE_STEP = RiskSettings.for_ruleset("1-step")
_ZONE = ZoneInfo(PRAGUE)


def prague(day: date, hour: int, minute: int = 0) -> datetime:
    """The UTC instant of ``hour:minute`` Prague time on ``day``."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=_ZONE).astimezone(UTC)


def trade(signal_id: str, opened: datetime, pnl: float, one_r: float = 1_000.0,
          closed: datetime | None = None) -> BacktestTrade:
    return BacktestTrade(signal_id, opened, closed or opened + timedelta(minutes=10), pnl, one_r)


def day_trade(day: date, pnl: float, *, hour: int = 10, one_r: float = 1_000.0, signal_id: str | None = None,
              minutes: int = 10) -> BacktestTrade:
    opened = prague(day, hour)
    return trade(signal_id or f"T{day:%m%d}{hour:02d}", opened, pnl, one_r, opened + timedelta(minutes=minutes))


def line_of(trades: Sequence[BacktestTrade], period: tuple[date, date] | None = None,
            scaling: Scaling | None = None) -> Timeline:
    return timeline(trades, scaling or Scaling(INITIAL, INITIAL), period)


def run(line: Timeline, settings: RiskSettings = TWO_STEP, attempts: Attempts | None = None) -> Outcomes:
    """The simulator over ``attempts`` (default: one historical attempt from the first day)."""
    return simulate(attempts or historical(line, 1), line, settings, INITIAL)


def single(line: Timeline, days: Sequence[int]) -> Attempts:
    """One attempt that meets the period days ``days`` in this order (-1: a day without trades)."""
    return Attempts(np.array([list(days)], dtype=np.int64), np.array([len(days)], dtype=np.int64), "test")
