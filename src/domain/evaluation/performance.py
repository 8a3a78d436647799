"""What the trades earned and how often they were in the market.

- Expectancy: the mean R multiple (P/L over the money one stop-out would have lost): +0.2 R means
  each trade earned a fifth of what it risked, on average.
- Profit factor: gross profit / gross loss (absolute). With no losing trade it is undefined
  (a division by zero, not infinity): ``None`` with a note, and the gross profit is shown beside it;
  with losses and no profit it is 0.
- Hit rate by session: the win rate of the trades signalled while each session was open (Tokyo,
  London, New York as domain.market.sessions defines them, off-hours when none was). London and
  New York overlap, and a trade signalled in the overlap counts in both, so the rows need not add
  up to the total.
- Trades per day: trades over the period's length in days (24 h, not trading days). The period is
  the span evaluated (domain.features.splits.Period: a backtest's window, a split's validation
  period), not the first to the last trade, so that a quiet month reads as few trades per day.
- Exposure: the share of the period with at least one position open (overlapping trades count once).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs
import numpy as np

from domain.evaluation.figures import Rate, Stat
from domain.evaluation.trades import EvaluatedTrade, TradeArrays
from domain.execution.costs import SESSION_NAMES
from domain.features.splits import Period
from domain.market.candles import datetime_to_ms

DAY_MS = 86_400_000


def span_ms(period: Period) -> int:
    return datetime_to_ms(period.end) - datetime_to_ms(period.start)


def period_dict(period: Period) -> dict[str, Any]:
    return {"name": period.name, "start": period.start.isoformat(), "end": period.end.isoformat(),
            "days": span_ms(period) / DAY_MS}


@attrs.frozen
class Performance:
    expectancy_r: Stat
    profit_factor: Stat
    gross_profit: Stat
    gross_loss: Stat  # positive: the money the losing trades lost
    by_session: tuple[tuple[str, Rate], ...]
    trades_per_day: Stat
    exposure: Stat  # share of the period, 0..1

    def as_dict(self) -> dict[str, Any]:
        return {"expectancy_r": self.expectancy_r.as_dict(), "profit_factor": self.profit_factor.as_dict(),
                "gross_profit": self.gross_profit.as_dict(), "gross_loss": self.gross_loss.as_dict(),
                "hit_rate_by_session": {name: rate.as_dict() for name, rate in self.by_session},
                "trades_per_day": self.trades_per_day.as_dict(), "exposure": self.exposure.as_dict()}


def performance(trades: Sequence[EvaluatedTrade], columns: TradeArrays, period: Period) -> Performance:
    n = len(trades)
    gross_profit = float(columns.pnl[columns.pnl > 0].sum())
    gross_loss = float(-columns.pnl[columns.pnl < 0].sum())
    return Performance(
        expectancy_r=Stat(float(columns.r_multiple.mean()), n) if n else Stat(None, 0, "no trades"),
        profit_factor=profit_factor(gross_profit, gross_loss, n),
        gross_profit=Stat(gross_profit, n), gross_loss=Stat(gross_loss, n),
        by_session=hit_rate_by_session(trades),
        trades_per_day=Stat(n * DAY_MS / span_ms(period), n),
        exposure=Stat(exposure(trades, period), n),
    )


def profit_factor(gross_profit: float, gross_loss: float, trades: int) -> Stat:
    if not trades:
        return Stat(None, 0, "no trades")
    if gross_loss == 0:
        return Stat(None, trades, "no losing trade: undefined (gross profit over a zero loss)")
    return Stat(gross_profit / gross_loss, trades)


def hit_rate_by_session(trades: Sequence[EvaluatedTrade]) -> tuple[tuple[str, Rate], ...]:
    rows = []
    for name in SESSION_NAMES:
        inside = [t for t in trades if name in t.sessions]
        rows.append((name, Rate(sum(1 for t in inside if t.won), len(inside))))
    return tuple(rows)


def exposure(trades: Sequence[EvaluatedTrade], period: Period) -> float:
    """Share of ``period`` covered by the union of the trades' [open, close) spans."""
    if not trades:
        return 0.0
    lo, hi = datetime_to_ms(period.start), datetime_to_ms(period.end)
    spans = np.array([(datetime_to_ms(t.opened_at), datetime_to_ms(t.closed_at)) for t in trades], dtype=np.int64)
    spans = np.clip(spans[np.argsort(spans[:, 0], kind="stable")], lo, hi)
    starts, ends = spans[:, 0], spans[:, 1]
    # each span adds only what lies past every span that started before it
    covered_until = np.concatenate([[lo], np.maximum.accumulate(ends)[:-1]])
    return float(np.clip(ends - np.maximum(starts, covered_until), 0, None).sum() / span_ms(period))
