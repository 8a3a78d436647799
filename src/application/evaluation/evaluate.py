"""Use case: a backtest's trades and equity turned into an ``Evaluation``, what a report and
``metrics.json`` read.

``Evaluation.to_json()`` is a dict of plain JSON values; no number in it is NaN or infinite. Its keys:

- ``schema``: "tradeai.evaluation/1"; ``run``: what the caller says the run was (pairs, predictor, seed...).
- ``trades``, ``min_trades`` (30: a figure on fewer is flagged ``few_trades``), ``period`` {name, start, end, days}.
- ``pnl``: {initial_balance, total, latency_adjusted, return_pct, final_equity}.
- ``labels``: {direction_known, direction_unknown}: trades whose horizon candle existed, or not.
- ``tiers``: one row per tier LOW, MEDIUM, HIGH, then ALL: {tier, trades, precision, recall, win_rate}.
- ``calibration``: {"win": ..., "direction": ...}, each {outcome, brier, reliability: [bins], tiers:
  [{tier, mean_probability, observed, error}], tier_mae}.
- ``drawdown``: {maximum, maximum_pct, average, average_pct, episodes}, on equity marked to market.
- ``performance``: {expectancy_r, profit_factor, gross_profit, gross_loss, hit_rate_by_session:
  {tokyo, london, new_york, off_hours}, trades_per_day, exposure}.
- ``equity``: {points, first, last, lowest, highest} of the curve (the curve itself is
  ``Evaluation.equity``, for plots).
- ``baselines``: the comparison (application.backtest.baselines) or null with ``baselines_note``.
- ``gates``: [{gate, verdict: passed|failed|not_run, reasons, checks}] for promotion, challenge,
  acceptance; ``failing_gates`` and ``gates_not_run``: their names, so a report can say plainly
  which fail (a gate not run has passed nothing either).
- ``nulls``: [{path, why}] for any number that was not finite and went out as null (normally empty:
  the figures already say why they are null in their ``note``).

A figure is ``{value, n, few_trades, note}``; a rate is ``{value, successes, n, wilson_low,
wilson_high, few_trades, note}`` (domain.evaluation.figures).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from application.backtest.baselines import BaselineComparison
from application.backtest.trades import BacktestTrades, Trade
from domain.evaluation.equity import EquitySeries
from domain.evaluation.gates import Failed, Gates, NotRun, Verdict
from domain.evaluation.metrics import TradeMetrics, trade_metrics
from domain.evaluation.trades import EvaluatedTrade, sessions_at
from domain.features.splits import Period
from domain.market.candles import Direction
from domain.signals.signal import Tier

SCHEMA = "tradeai.evaluation/1"


@attrs.frozen
class ChallengeEvidence:
    """What the challenge gate reads from a simulation: the pass rate over so many attempts."""

    pass_rate: float
    attempts: int
    source: str = "challenge simulator"


@attrs.frozen(eq=False)
class Evaluation:
    metrics: TradeMetrics
    equity: EquitySeries
    pnl: dict[str, float | None]
    labels: dict[str, int]
    gates: tuple[Verdict | NotRun, ...]
    comparison: BaselineComparison | None = None
    run: Mapping[str, Any] = attrs.Factory(dict)

    @property
    def failing_gates(self) -> tuple[str, ...]:
        return tuple(g.gate for g in self.gates if isinstance(g, Failed))

    @property
    def gates_not_run(self) -> tuple[str, ...]:
        return tuple(g.gate for g in self.gates if isinstance(g, NotRun))

    def to_json(self) -> dict[str, Any]:
        body = {"schema": SCHEMA, "run": dict(self.run), **self.metrics.as_dict(), "pnl": self.pnl,
                "labels": self.labels, "equity": _equity_summary(self.equity),
                "baselines": self.comparison.as_dict() if self.comparison else None,
                "baselines_note": None if self.comparison else "no baseline was run",
                "gates": [g.as_dict() for g in self.gates], "failing_gates": list(self.failing_gates),
                "gates_not_run": list(self.gates_not_run)}
        nulls: list[dict[str, str]] = []
        safe: dict[str, Any] = json_safe(body, "", nulls)
        safe["nulls"] = nulls
        return safe


def evaluate_backtest(result: BacktestTrades, equity: EquitySeries, period: Period, gates: Gates, *,
                      initial_balance: float, comparison: BaselineComparison | None = None,
                      challenge: ChallengeEvidence | None = None, run: Mapping[str, Any] | None = None) -> Evaluation:
    trades = [evaluated_trade(t) for t in result.trades]
    metrics = trade_metrics(trades, equity, period)
    win_rate = metrics.win_rate
    verdicts = (
        NotRun("promotion", "reads a model's validation accuracy on a time split and its leakage check; "
                            "a backtest has neither"),
        gates.challenge.check(challenge.pass_rate, challenge.attempts) if challenge is not None
        else NotRun("challenge", "no challenge simulation was given"),
        gates.acceptance.check(win_rate.value, win_rate.n),
    )
    return Evaluation(metrics, equity, _pnl(result, equity, initial_balance), _labels(result), verdicts,
                      comparison, dict(run or {}))


def evaluated_trade(trade: Trade) -> EvaluatedTrade:
    opened = datetime.fromisoformat(trade.signal_at)
    return EvaluatedTrade(
        tier=Tier(trade.tier), direction=Direction(trade.direction), probability=trade.confidence, pnl=trade.pnl,
        r_multiple=trade.r_multiple, opened_at=opened, closed_at=datetime.fromisoformat(trade.exit_at),
        sessions=trade.sessions or sessions_at(opened), direction_right=trade.direction_right,
    )


def _pnl(result: BacktestTrades, equity: EquitySeries, initial_balance: float) -> dict[str, float | None]:
    total = sum(t.pnl for t in result.trades)
    return {"initial_balance": initial_balance, "total": round(total, 2),
            "latency_adjusted": round(sum(t.pnl_penalised for t in result.trades), 2),
            "return_pct": round(100 * total / initial_balance, 4) if initial_balance > 0 else None,
            "final_equity": round(float(equity.equity[-1]), 2) if len(equity) else None}


def _labels(result: BacktestTrades) -> dict[str, int]:
    known = sum(1 for t in result.trades if t.direction_right is not None)
    return {"direction_known": known, "direction_unknown": len(result.trades) - known}


def _equity_summary(equity: EquitySeries) -> dict[str, Any]:
    if not len(equity):
        return {"points": 0, "first": None, "last": None, "lowest": None, "highest": None}
    return {"points": len(equity), "first": float(equity.equity[0]), "last": float(equity.equity[-1]),
            "lowest": float(equity.equity.min()), "highest": float(equity.equity.max())}


def json_safe(value: Any, path: str, nulls: list[dict[str, str]]) -> Any:
    """``value`` with every non-finite float replaced by None, each replacement recorded in ``nulls``."""
    if isinstance(value, float) and not math.isfinite(value):
        nulls.append({"path": path or "/", "why": f"{value!r} is not a finite number"})
        return None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v, f"{path}/{k}", nulls) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v, f"{path}/{i}", nulls) for i, v in enumerate(value)]
    return value
