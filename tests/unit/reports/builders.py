"""Hand-built backtests for the report tests: trades over a few hours of one day, with tiers,
sessions and outcomes spread so that some figures stand on few trades and some do not."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from application.backtest.baselines import BaselineComparison, RunFigures
from application.backtest.trades import BacktestTrades, summarise
from application.evaluation.report import Report, backtest_report
from domain.evaluation import Gates, Rate
from domain.features.splits import Period
from domain.risk.rules import RiskSettings
from entrypoints.backtest_output import write_outputs
from tests.unit.backtest.records import T0, trade_record

INITIAL = 100_000.0
PERIOD = Period("backtest", T0, T0 + timedelta(days=1))
SESSIONS = ("tokyo", "london", "london+new_york", "off_hours")


def backtest_result(n: int = 40, high: int = 5) -> BacktestTrades:
    """``n`` trades 20 minutes apart: the last ``high`` at the HIGH tier, the others LOW."""
    trades = tuple(
        trade_record(opened=20 * i, closed=20 * i + 15, pnl=30.0 if i % 3 else -45.0, right=None if i == 7 else i % 2 == 0,
                     tier="HIGH" if i >= n - high else "LOW", confidence=0.55 + 0.01 * (i % 40),
                     session=SESSIONS[i % len(SESSIONS)])
        for i in range(n))
    return BacktestTrades(trades, (), {}, {}, None, 0, 0, 0)


def run_of(pairs: tuple[str, ...] = ("BTCUSDT",)) -> dict:
    return {"pairs": list(pairs), "start": PERIOD.start.isoformat(), "end": PERIOD.end.isoformat(),
            "predictor": "baseline-momentum-k0.5", "seed": 42, "latency_budget_ms": 500.0,
            "costs": {"fills": "placeholder p90 costs", "sizing": "placeholder p90 costs"}}


def report_of(result: BacktestTrades | None = None, **kwargs) -> Report:  # type: ignore[no-untyped-def]
    return backtest_report(backtest_result() if result is None else result, PERIOD, Gates(), RiskSettings(),
                           initial_balance=INITIAL, run=run_of(), **kwargs)


def backtest_folder(folder: Path, result: BacktestTrades | None = None) -> Path:
    """What `tradeai backtest --out folder` leaves: trades.parquet and summary.json. Returns the trades file."""
    result = backtest_result() if result is None else result
    summary = {"run": run_of(), **summarise(result, INITIAL), "seconds": 0.1}
    write_outputs(folder, result, summary)
    return folder / "trades.parquet"


def comparison(strategy_pnl: float = -90.0) -> BaselineComparison:
    """The strategy against a momentum baseline it beats and a random one it does not (at -90)."""
    return BaselineComparison(
        RunFigures("strategy", "strategy", "baseline-momentum-k0.5", 40, Rate(26, 40), strategy_pnl, strategy_pnl),
        (RunFigures("baseline", "momentum", "baseline-momentum-k0.5", 38, Rate(20, 38), -120.5, -130.25),
         RunFigures("baseline", "random", "random-direction-seed42", 12, Rate(7, 12), 15.0, 12.5)),
        seed=42)
