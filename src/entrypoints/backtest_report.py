"""A backtest's report, written by the container's ``ReportWriter``: what ``tradeai report`` calls,
and what ``tradeai backtest --report DIR`` calls with the run it has just made."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from application.backtest.baselines import BaselineComparison, EngineInputs, compare_with_baselines
from application.backtest.equity import equity_curve
from application.backtest.trades import BacktestTrades
from application.challenge import ChallengeReport, ChallengeRequest, Mode, TradeRow, simulate_challenges
from application.evaluation.evaluate import ChallengeEvidence
from application.evaluation.ports import ReportFiles
from application.evaluation.report import backtest_report
from domain.challenge import Scaling
from domain.evaluation.equity import EquitySeries
from domain.features.splits import Period
from domain.market.candles import Pair
from domain.market.quality import Ohlcv
from entrypoints.backtest_input import challenge_from
from entrypoints.challenge_files import JsonChallengeReport, period_of
from entrypoints.settings import Settings
from entrypoints.settings.domain_config import gates, risk_settings

if TYPE_CHECKING:
    from entrypoints.container import Container


def write_backtest_report(root: Container, settings: Settings, result: BacktestTrades, run: Mapping[str, Any],
                          directory: Path, *, candles: Mapping[Pair, Ohlcv] | None, candles_note: str | None = None,
                          comparison: BaselineComparison | None = None,
                          challenge: ChallengeEvidence | None = None) -> ReportFiles:
    """Evaluate ``result`` (the run described by ``run``: the ``run`` of summary.json) and write its
    report into ``directory``. ``candles``: the run's candles, to mark the equity to market; None
    rebuilds it from the closed trades, ``candles_note`` saying why. Raises
    adapters.reports.MissingReportExtra without matplotlib, OSError when the folder cannot be written."""
    period = Period("backtest", datetime.fromisoformat(run["start"]), datetime.fromisoformat(run["end"]))
    initial = float(run.get("initial_balance", settings.risk.initial_balance))
    writer = root.reports().writer()  # first: without matplotlib, fail before the work
    equity, note = _equity(root, result, candles, initial, period)
    report = backtest_report(result, period, gates(settings), risk_settings(settings), initial_balance=initial,
                             run=run, equity=equity, equity_note=note or candles_note, comparison=comparison,
                             challenge=challenge)
    return writer.write(report, directory)


def _equity(root: Container, result: BacktestTrades, candles: Mapping[Pair, Ohlcv] | None, initial: float,
            period: Period) -> tuple[EquitySeries | None, str | None]:
    if candles is None:
        return None, None
    try:
        curve = equity_curve(result.trades, candles, root.execution().instruments(), initial, period.start, period.end)
    except ValueError as exc:  # a traded pair without candles cannot be marked
        return None, str(exc)
    return curve, None


# the report's challenge evidence: enough Monte Carlo attempts for a tight Wilson interval, still well
# under a second (benchmarks/bench_challenge.py)
REPORT_ATTEMPTS = 1_000


def challenge_for(settings: Settings, result: BacktestTrades,
                  summary: Mapping[str, Any]) -> tuple[ChallengeReport | None, str | None]:
    """FTMO challenges over the run's trades for the challenge gate: a Monte Carlo day-block bootstrap
    (``REPORT_ATTEMPTS`` attempts as long as the backtest period, seeded by the run's seed) on an
    account the size of the backtest's. None and why when there is nothing to simulate."""
    if not result.trades:
        return None, "the run took no trades: no challenge to simulate"
    initial = float(summary["run"].get("initial_balance", settings.risk.initial_balance))
    request = ChallengeRequest(
        mode=Mode.MONTE_CARLO, attempts=REPORT_ATTEMPTS, risk=risk_settings(settings),
        scaling=Scaling(initial, initial), seed=settings.seed, gate=gates(settings).challenge,
        period=period_of(dict(summary)),
        notes=("run by tradeai backtest --report over the run's own trades, sizes as taken",))
    rows = [TradeRow(t.signal_id, datetime.fromisoformat(t.signal_at), datetime.fromisoformat(t.exit_at), t.pnl,
                     t.r_multiple, t.pnl_penalised) for t in result.trades]
    try:
        return simulate_challenges(rows, request), None
    except ValueError as exc:  # trades the simulator cannot size (no 1R to stop out at)
        return None, f"the challenge simulation refused the trades: {exc}"


def report_run(root: Container, settings: Settings, inputs: EngineInputs, result: BacktestTrades,
               summary: dict[str, Any], directory: Path) -> ReportFiles:
    """``tradeai backtest --report DIR``: the baselines through the same engine and costs, FTMO
    challenges over the trades, then the report. Adds ``baselines`` and ``challenge`` to ``summary``
    (written beside the trades by the caller). Raises like ``write_backtest_report``."""
    root.reports().writer()  # without matplotlib, fail before the baselines' runs
    backtest = root.backtest()
    comparison = compare_with_baselines(backtest.predictor(), backtest.baselines(), inputs, seed=settings.seed,
                                        strategy_result=result)
    summary["baselines"] = comparison.as_dict()
    challenge, why_not = challenge_for(settings, result, summary)
    summary["challenge"] = (challenge.as_dict(max_breaches=20) if challenge is not None
                            else {"not_run": why_not})
    if challenge is not None:
        JsonChallengeReport().write(directory, challenge)
    return write_backtest_report(root, settings, result, summary["run"], directory, candles=inputs.candles,
                                 comparison=comparison, challenge=challenge_from(summary))
