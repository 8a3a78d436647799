"""The out-of-sample comparison in the backtest engine: each policy (every PPO seed, the supervised
predictor, and a policy that never trades) run by ``run_backtest`` with one ``EngineInputs`` (the
same candles, period, costs, broker, guard and scan settings), so only the predictor differs.
The verdict's out-of-sample criterion reads the ``return_pct`` (net P/L after costs over the
initial balance) of these runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from application.backtest.baselines import EngineInputs, run_backtest
from application.backtest.ports import BulkPredictor
from application.backtest.trades import BacktestTrades


@attrs.frozen
class EngineFigures:
    predictor: str  # the predictor's version
    trades: int
    wins: int
    net_pnl: float  # closed trades, after every cost
    final_balance: float
    initial_balance: float
    open_at_end: int  # positions still open when the period ended: not in the P/L
    denials: int  # scans the guard denied

    @property
    def win_rate(self) -> float | None:
        return self.wins / self.trades if self.trades else None

    @property
    def return_pct(self) -> float:
        return 100 * self.net_pnl / self.initial_balance

    @classmethod
    def of(cls, predictor: str, result: BacktestTrades, initial_balance: float) -> EngineFigures:
        pnl = sum(t.pnl for t in result.trades)
        balance = result.final_balance if result.final_balance is not None else initial_balance + pnl
        return cls(predictor, len(result.trades), sum(1 for t in result.trades if t.pnl > 0), pnl, balance,
                   initial_balance, len(result.open_signals), sum(result.denials.values()))

    def as_dict(self) -> dict[str, Any]:
        return {**attrs.asdict(self), "win_rate": self.win_rate, "return_pct": self.return_pct}


def engine_figures(predictors: Mapping[str, BulkPredictor], inputs: EngineInputs,
                   initial_balance: float) -> dict[str, EngineFigures]:
    """Each named predictor through the same engine run."""
    return {name: EngineFigures.of(p.version, run_backtest(p, inputs), initial_balance)
            for name, p in predictors.items()}
