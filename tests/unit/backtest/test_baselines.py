"""Strategy and baselines through the same engine, costs and window: the P/L side by side."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from adapters.brokers.paper import PaperBroker
from adapters.predictors.baseline import BaselineMomentumPredictor
from adapters.predictors.random_direction import RandomDirectionPredictor
from application.backtest.baselines import EngineInputs, compare_with_baselines, run_backtest
from application.backtest.engine import BacktestConfig
from application.backtest.ports import P90Costs
from application.runtime.scan_market import ScanConfig
from domain.market.candles import Pair
from domain.signals.signal import Mode
from tests.fakes.series import random_walk

START = datetime(2024, 3, 5, 6, 0, tzinfo=UTC)
PAIRS = (Pair.parse("BTCUSDT"), Pair.parse("ETHUSDT"))


def _inputs() -> EngineInputs:
    since = START - timedelta(hours=2)
    candles = {PAIRS[0]: random_walk(since, 12 * 60, seed=21, price=60_000.0, vol=0.0015),
               PAIRS[1]: random_walk(since, 12 * 60, seed=22, price=3_000.0, vol=0.0015)}
    return EngineInputs(P90Costs(), PaperBroker, BacktestConfig(ScanConfig(pairs=PAIRS, mode=Mode.DRYRUN)),
                        lambda: 0.0, candles, START, START + timedelta(hours=8))


def test_each_baseline_runs_through_the_same_engine_and_is_named_with_its_seed() -> None:
    inputs = _inputs()
    strategy = BaselineMomentumPredictor(steepness=1.0)
    baselines = {"momentum": BaselineMomentumPredictor(), "random": RandomDirectionPredictor(seed=9)}
    comparison = compare_with_baselines(strategy, baselines, inputs, seed=9)
    assert comparison.strategy.predictor == "baseline-momentum-k1"
    assert [(b.name, b.predictor) for b in comparison.baselines] == [
        ("momentum", "baseline-momentum-k0.5"), ("random", "random-direction-seed9-p0.55")]
    random_run = run_backtest(baselines["random"], inputs)
    assert comparison.baselines[1].trades == len(random_run.trades) > 0
    assert comparison.baselines[1].pnl_latency_adjusted == round(sum(t.pnl_penalised for t in random_run.trades), 2)
    payload = json.loads(json.dumps(comparison.as_dict(), allow_nan=False))
    assert payload["seed"] == 9 and payload["measure"] == "pnl_latency_adjusted"
    assert set(payload["strategy_beats"]) == {"momentum", "random"}


def test_a_strategy_result_already_run_is_not_run_again() -> None:
    inputs = _inputs()
    strategy = BaselineMomentumPredictor()
    done = run_backtest(strategy, inputs)
    assert done.trades and all(t.direction_right is not None for t in done.trades)  # labelled from the candles
    comparison = compare_with_baselines(strategy, {"momentum": BaselineMomentumPredictor()}, inputs, seed=0,
                                        strategy_result=done)
    assert comparison.strategy.pnl == comparison.baselines[0].pnl  # the same rule: the same trades
    assert comparison.beats() == {"momentum": False}  # a tie is not better
