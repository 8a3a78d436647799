"""A backtest read back from what it left behind (entrypoints.backtest_output): trades.parquet and
the summary.json beside it. pandas stays here, at the edge. Anything wrong with the files is a
``BadBacktestFiles`` naming the file and what is wrong with it."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

from application.backtest.baselines import BaselineComparison, RunFigures
from application.backtest.trades import BacktestTrades, Trade
from application.evaluation.evaluate import ChallengeEvidence, evaluated_trade
from domain.evaluation.figures import Rate

TRADE_FIELDS = {a.name: a for a in attrs.fields(Trade)}
REQUIRED_COLUMNS = [name for name, a in TRADE_FIELDS.items() if a.default is attrs.NOTHING]
RUN_KEYS = ("start", "end", "pairs")
# Trade's annotations are strings (postponed evaluation): each column read back through its own type
CASTS: dict[str, Any] = {"str": str, "float": float, "bool": bool, "int | None": int, "bool | None": bool}


class BadBacktestFiles(ValueError):
    """The backtest's files are missing, unreadable or not what ``tradeai backtest`` writes."""


@attrs.frozen
class BacktestFiles:
    result: BacktestTrades
    summary: Mapping[str, Any]
    labelled: bool  # the trades file says whether each call's direction was right

    @property
    def run(self) -> Mapping[str, Any]:
        return self.summary["run"]  # type: ignore[no-any-return]


def read_backtest(trades_path: Path) -> BacktestFiles:
    summary = read_summary(trades_path.parent / "summary.json", trades_path)
    frame = _frame(trades_path)
    trades = tuple(_trade(row, trades_path, i) for i, row in enumerate(frame.to_dict("records")))
    result = BacktestTrades(trades, (), dict(summary.get("statuses", {})), dict(summary.get("denials", {})),
                            summary.get("final_balance"), int(summary.get("scans", 0)),
                            int(summary.get("active_scans", 0)), int(summary.get("bars", 0)))
    return BacktestFiles(result, summary, "direction_right" in frame.columns)


def read_summary(path: Path, trades_path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise BadBacktestFiles(f"no summary.json beside {trades_path} (tradeai backtest writes both into one folder)")
    try:
        summary = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadBacktestFiles(f"cannot read {path}: {exc}") from exc
    run = summary.get("run") if isinstance(summary, dict) else None
    missing = [key for key in RUN_KEYS if not isinstance(run, dict) or key not in run]
    if missing:
        raise BadBacktestFiles(f"{path} has no run {', '.join(missing)} (not a tradeai backtest summary?)")
    return summary  # type: ignore[no-any-return]


def _frame(path: Path) -> Any:
    import pandas as pd

    if not path.is_file():
        raise BadBacktestFiles(f"{path} does not exist")
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a file that is not parquet
        raise BadBacktestFiles(f"cannot read {path} as parquet: {exc}") from exc
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise BadBacktestFiles(f"{path} lacks the trade columns {', '.join(missing)}")
    return frame


def _trade(row: Mapping[str, Any], path: Path, index: int) -> Trade:
    values = {name: _cell(row.get(name)) for name in TRADE_FIELDS if name in row}
    try:
        trade = Trade(**{name: _typed(name, value) for name, value in values.items()})
        evaluated_trade(trade)  # the evaluation's own checks: times, probability, sessions
    except (TypeError, ValueError) as exc:
        raise BadBacktestFiles(f"{path} row {index} ({row.get('signal_id')}): {exc}") from exc
    return trade


def _cell(value: Any) -> Any:
    """A parquet cell as plain Python: None for a missing value (NaN, NA), numpy scalars unboxed."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    item = getattr(value, "item", None)
    plain = item() if callable(item) else value
    return None if isinstance(plain, float) and math.isnan(plain) else plain


def _typed(name: str, value: Any) -> Any:
    return None if value is None else CASTS.get(str(TRADE_FIELDS[name].type), lambda v: v)(value)


def comparison_from(summary: Mapping[str, Any]) -> BaselineComparison | None:
    """The baseline comparison a backtest recorded under ``baselines`` (BaselineComparison.as_dict()), if any."""
    data = summary.get("baselines")
    if data is None:
        return None
    try:
        return BaselineComparison(_run_figures(data["strategy"]), tuple(_run_figures(b) for b in data["baselines"]),
                                  int(data["seed"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise BadBacktestFiles(f"summary.json baselines are not a baseline comparison: {exc!r}") from exc


def _run_figures(data: Mapping[str, Any]) -> RunFigures:
    rate = data["win_rate"]
    return RunFigures(str(data["role"]), str(data["name"]), str(data["predictor"]), int(data["trades"]),
                      Rate(int(rate["successes"]), int(rate["n"])), float(data["pnl"]),
                      float(data["pnl_latency_adjusted"]))


def challenge_from(summary: Mapping[str, Any]) -> ChallengeEvidence | None:
    """The challenge simulation a backtest recorded under ``challenge`` (ChallengeReport.as_dict()),
    if it ran: what the challenge gate reads."""
    data = summary.get("challenge")
    if data is None or "not_run" in data:
        return None
    try:
        setup, rate = data["challenge"], data["pass_rate"]
        attempts = int(rate["n"])
        source = (f"challenge simulator, {setup['mode']}: {attempts:,} attempts"
                  + (f" of {setup['days_per_attempt']} Prague days" if setup.get("days_per_attempt") else "")
                  + f", seed {setup['seed']}")
        return ChallengeEvidence(int(rate["successes"]) / attempts, attempts, source)
    except (KeyError, TypeError, ValueError, ZeroDivisionError) as exc:
        raise BadBacktestFiles(f"summary.json challenge is not a challenge simulation: {exc!r}") from exc
