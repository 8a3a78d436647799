"""What a backtest leaves behind: the trades as parquet, the summary as JSON, and a few lines for a
person. pandas and pyarrow stay here, at the edge."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs

from application.backtest.trades import BacktestTrades, Trade

TRADE_COLUMNS = [a.name for a in attrs.fields(Trade)]


def write_outputs(folder: Path, result: BacktestTrades, summary: dict[str, Any]) -> dict[str, str]:
    import pandas as pd

    folder.mkdir(parents=True, exist_ok=True)
    files = {"trades": folder / "trades.parquet", "summary": folder / "summary.json", "text": folder / "summary.txt"}
    frame = pd.DataFrame([attrs.astuple(t) for t in result.trades], columns=TRADE_COLUMNS)
    frame.to_parquet(files["trades"], index=False)
    written = {name: str(path) for name, path in files.items()}
    files["summary"].write_text(json.dumps({**summary, "files": written}, indent=2, default=str) + "\n")
    files["text"].write_text(describe(summary) + "\n")
    return written


def describe(summary: dict[str, Any]) -> str:
    run = summary["run"]
    lines = [
        f"backtest {', '.join(run['pairs'])} {run['start']} -> {run['end']} ({run['predictor']}, seed {run['seed']})",
        f"  trades {summary['trades']}: {summary['wins']} won, {summary['losses']} lost"
        + (f" (win rate {summary['win_rate']:.1%})" if summary["win_rate"] is not None else ""),
        f"  P/L {summary['pnl']:+,.2f} ({summary['return_pct']:+.2f} %), max drawdown {summary['max_drawdown']:,.2f}",
        f"  with the latency penalty ({summary['late_signals']} signals over {run['latency_budget_ms']:g} ms): "
        f"{summary['pnl_with_latency_penalty']:+,.2f}",
        f"  exits: {_pairs(summary['exits'])}; still open at the end: {summary['open_at_end']}",
        f"  denials: {_pairs(summary['denials']) or 'none'}",
        f"  {summary['bars']:,} bars, {summary['scans']:,} scans ({summary['active_scans']:,} run) "
        f"in {summary['seconds']:.2f} s",
        f"  costs: fills {run['costs']['fills']}; sizing {run['costs']['sizing']}",
    ]
    return "\n".join(lines + _evaluation(summary))


def _evaluation(summary: dict[str, Any]) -> list[str]:
    """What --report added: the baselines' P/L beside the run's, the challenges' pass rate."""
    lines = [f"  baseline {row['name']}: {row['trades']} trades, P/L with the latency penalty "
             f"{row['pnl_latency_adjusted']:+,.2f}" for row in summary.get("baselines", {}).get("baselines", [])]
    challenge = summary.get("challenge")
    if challenge and "not_run" in challenge:
        lines.append(f"  FTMO challenges: not run ({challenge['not_run']})")
    elif challenge:
        rate = challenge["pass_rate"]
        lines.append(f"  FTMO challenges: {rate['successes']} of {challenge['attempts']:,} passed "
                     f"(Wilson 95 % {rate['wilson_low']:.1%} to {rate['wilson_high']:.1%}); "
                     f"challenge gate {challenge['gate']['verdict']}")
    if "report" in summary:
        lines.append(f"  report: {summary['report']['html']}")
    return lines


def _pairs(counts: dict[str, int]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
