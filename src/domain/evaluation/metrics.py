"""Every evaluation figure of a list of trades and the equity they made, in one value.

One function serves the backtest, the training reports and the bot's /stats: give it the trades
(``EvaluatedTrade``), the equity curve (``EquitySeries``, open positions marked to market) and the
period they cover. Definitions live with each part: tiers (precision, recall, win rate),
calibration (Brier score, reliability curve, calibration error per tier), equity (drawdowns),
performance (expectancy, profit factor, sessions, trades per day, exposure).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import attrs

from domain.evaluation.calibration import RELIABILITY_EDGES, Calibration, calibration
from domain.evaluation.equity import Drawdown, EquitySeries, drawdown
from domain.evaluation.figures import MIN_TRADES, Rate
from domain.evaluation.performance import Performance, performance, period_dict
from domain.evaluation.tiers import ALL, TierFigures, tier_figures
from domain.evaluation.trades import EvaluatedTrade, TradeArrays
from domain.features.splits import Period


@attrs.frozen
class TradeMetrics:
    trades: int
    period: Period
    tiers: tuple[TierFigures, ...]
    calibration: tuple[Calibration, ...]  # against the win, then against the direction
    drawdown: Drawdown
    performance: Performance

    @property
    def win_rate(self) -> Rate:
        return next(t.win_rate for t in self.tiers if t.tier == ALL)

    def as_dict(self) -> dict[str, Any]:
        return {"trades": self.trades, "min_trades": MIN_TRADES, "period": period_dict(self.period),
                "tiers": [t.as_dict() for t in self.tiers],
                "calibration": {c.outcome: c.as_dict() for c in self.calibration},
                "drawdown": self.drawdown.as_dict(), "performance": self.performance.as_dict()}


def trade_metrics(trades: Sequence[EvaluatedTrade], equity: EquitySeries, period: Period,
                  edges: tuple[float, ...] = RELIABILITY_EDGES) -> TradeMetrics:
    columns = TradeArrays.of(trades)
    known = columns.right >= 0
    return TradeMetrics(
        trades=len(trades), period=period, tiers=tier_figures(columns),
        calibration=(
            calibration("win", columns.probability, columns.won, columns.tier_rank, edges),
            calibration("direction", columns.probability[known], columns.right[known] == 1,
                        columns.tier_rank[known], edges),
        ),
        drawdown=drawdown(equity, len(trades)),
        performance=performance(trades, columns, period),
    )
