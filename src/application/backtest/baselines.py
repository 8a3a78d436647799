"""Use case: is the strategy better than nothing? It and naive baselines through the same engine.

Each baseline predictor runs through the very engine, costs, broker and configuration as the
strategy, over the same candles and window: only the predictor differs. The comparison sets the
latency-adjusted P/L side by side (the P/L a trader would have banked with late entries degraded,
application.backtest.trades) and says which baselines ran with which seed. The baselines a
composition root offers: the momentum rule (adapters.predictors.baseline) and a random direction
at the LOW tier with a fixed seed (adapters.predictors.random_direction).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import attrs

from application.backtest.driver import Progress
from application.backtest.engine import BacktestConfig, BacktestEngine
from application.backtest.outcomes import label_directions
from application.backtest.ports import BulkPredictor, CostModel
from application.backtest.scoring import BulkScoring, InProcessScoring
from application.backtest.trades import BacktestTrades
from application.runtime.ports import Broker
from domain.evaluation.figures import Rate
from domain.execution.instruments import Instruments
from domain.market.candles import Pair
from domain.market.quality import Ohlcv


@attrs.frozen
class EngineInputs:
    """Everything a backtest run needs but the predictor."""

    costs: CostModel
    broker_for: Callable[[Instruments], Broker]
    config: BacktestConfig
    timer: Callable[[], float]
    candles: Mapping[Pair, Ohlcv]
    start: datetime
    end: datetime
    scoring: BulkScoring = attrs.Factory(InProcessScoring)  # where the bulk predictions are computed


def run_backtest(predictor: BulkPredictor, inputs: EngineInputs, progress: Progress | None = None) -> BacktestTrades:
    """One engine run, its trades labelled with whether each call's direction was right."""
    engine = BacktestEngine(predictor=predictor, costs=inputs.costs, broker_for=inputs.broker_for,
                            config=inputs.config, timer=inputs.timer, scoring=inputs.scoring)
    return label_directions(engine.run(inputs.candles, inputs.start, inputs.end, progress), inputs.candles)


@attrs.frozen
class RunFigures:
    role: str  # "strategy" or "baseline"
    name: str
    predictor: str  # the predictor's version: its parameters, the random baseline's seed among them
    trades: int
    win_rate: Rate
    pnl: float
    pnl_latency_adjusted: float

    @classmethod
    def of(cls, role: str, name: str, predictor: str, result: BacktestTrades) -> RunFigures:
        trades = result.trades
        return cls(role, name, predictor, len(trades), Rate(sum(1 for t in trades if t.pnl > 0), len(trades)),
                   round(sum(t.pnl for t in trades), 2), round(sum(t.pnl_penalised for t in trades), 2))

    def as_dict(self) -> dict[str, Any]:
        return {"role": self.role, "name": self.name, "predictor": self.predictor, "trades": self.trades,
                "win_rate": self.win_rate.as_dict(), "pnl": self.pnl,
                "pnl_latency_adjusted": self.pnl_latency_adjusted}


@attrs.frozen
class BaselineComparison:
    strategy: RunFigures
    baselines: tuple[RunFigures, ...]
    seed: int  # the run's seed, which the random baseline draws from

    def beats(self) -> dict[str, bool]:
        """Per baseline: did the strategy make more latency-adjusted P/L (a tie is not better)?"""
        return {b.name: self.strategy.pnl_latency_adjusted > b.pnl_latency_adjusted for b in self.baselines}

    def as_dict(self) -> dict[str, Any]:
        return {"seed": self.seed, "measure": "pnl_latency_adjusted", "strategy": self.strategy.as_dict(),
                "baselines": [b.as_dict() for b in self.baselines], "strategy_beats": self.beats()}


def compare_with_baselines(strategy: BulkPredictor, baselines: Mapping[str, BulkPredictor], inputs: EngineInputs,
                           *, seed: int, strategy_result: BacktestTrades | None = None) -> BaselineComparison:
    """Run each baseline (and the strategy, unless its result is given) through the same engine."""
    result = strategy_result if strategy_result is not None else run_backtest(strategy, inputs)
    # a baseline that is the strategy (same version: same parameters and seed) would repeat the run exactly
    rows = tuple(RunFigures.of("baseline", name, predictor.version,
                               result if predictor.version == strategy.version else run_backtest(predictor, inputs))
                 for name, predictor in baselines.items())
    return BaselineComparison(RunFigures.of("strategy", "strategy", strategy.version, result), rows, seed)
