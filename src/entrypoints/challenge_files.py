"""The challenge simulator's files: the backtest's trades.parquet (and the summary.json beside it)
read in, challenge.json written out, and a few lines for a person. pandas stays here, at the edge.

``--report DIR`` runs every ``ChallengeReportWriter`` in ``report_writers()``: the JSON one
today; the HTML/PNG report plugs in there.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from application.challenge import ChallengeReport, ChallengeReportWriter, Period, TradeRow
from domain.risk.account import PRAGUE, trading_day

COLUMNS = ("signal_id", "signal_at", "exit_at", "pnl", "r_multiple", "pnl_penalised")


class TradesFileError(ValueError):
    """The trades file cannot be used: unreadable, columns missing, values not possible."""


def read_trades(path: Path) -> list[TradeRow]:
    import pandas as pd

    try:
        frame = pd.read_parquet(path)
    except (OSError, ValueError) as exc:  # pyarrow raises ArrowInvalid, a ValueError, on a non-parquet file
        raise TradesFileError(f"{path} is not a readable parquet file: {exc}") from exc
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise TradesFileError(f"{path} lacks the column(s) {', '.join(missing)} (a `tradeai backtest` "
                              f"trades.parquet has {', '.join(COLUMNS)})")
    if frame.empty:
        raise TradesFileError(f"{path} holds no trades: nothing to simulate")
    try:
        opened = pd.to_datetime(frame["signal_at"], utc=True, format="ISO8601")
        closed = pd.to_datetime(frame["exit_at"], utc=True, format="ISO8601")
        numbers = frame[["pnl", "r_multiple", "pnl_penalised"]].astype(float)
    except (TypeError, ValueError) as exc:
        raise TradesFileError(f"{path}: {exc}") from exc
    return [_row(path, i, frame["signal_id"].iloc[i], opened.iloc[i], closed.iloc[i], numbers.iloc[i])
            for i in range(len(frame))]


def _row(path: Path, i: int, signal_id: Any, opened: Any, closed: Any, numbers: Any) -> TradeRow:
    values = {k: float(numbers[k]) for k in ("pnl", "r_multiple", "pnl_penalised")}
    bad = [k for k, v in values.items() if not math.isfinite(v)]
    if bad or opened is None or closed is None or opened != opened or closed != closed:
        raise TradesFileError(f"{path}, row {i} ({signal_id}): {', '.join(bad) or 'a time'} is missing or not finite")
    if closed < opened:
        raise TradesFileError(f"{path}, row {i} ({signal_id}): exit_at {closed} is before signal_at {opened}")
    return TradeRow(str(signal_id), opened.to_pydatetime(), closed.to_pydatetime(), **values)


def backtest_summary(trades: Path) -> dict[str, Any] | None:
    """The summary.json `tradeai backtest` writes beside trades.parquet, when it is there and reads."""
    path = trades.with_name("summary.json")
    try:
        loaded = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return loaded if isinstance(loaded, dict) else None


def period_of(summary: dict[str, Any] | None) -> Period | None:
    """The whole Prague days inside the backtest's window (--start to --end, the end's 1-minute bar
    included): a bootstrap draws whole days, and days without trades count (the strategy watched
    and did not trade). The simulation widens it to every trade's day."""
    run = (summary or {}).get("run") or {}
    try:
        start, end = (datetime.fromisoformat(run[k]).astimezone(UTC) for k in ("start", "end"))
        first = trading_day(start) + timedelta(days=0 if _prague_midnight(start) else 1)
        last = trading_day(end + timedelta(minutes=1)) - timedelta(days=1)
    except (KeyError, TypeError, ValueError):
        return None
    if last < first:
        return None
    return Period(first, last, "the whole Prague days of the backtest's --start/--end (summary.json)")


def _prague_midnight(moment: datetime) -> bool:
    local = moment.astimezone(ZoneInfo(PRAGUE))
    return local.time() == time()


def backtest_balance(summary: dict[str, Any] | None) -> float | None:
    """The backtest's initial balance: its final balance less its P/L (both in summary.json)."""
    try:
        value = round(float(summary["final_balance"]) - float(summary["pnl"]), 2)  # type: ignore[index]
    except (KeyError, TypeError, ValueError):
        return None
    return value if math.isfinite(value) and value > 0 else None


class JsonChallengeReport(ChallengeReportWriter):
    """challenge.json: every number of the simulation, its assumptions and the breach log."""

    def write(self, folder: Path, report: ChallengeReport) -> dict[str, str]:
        from adapters.common.atomic_file import atomic_write

        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "challenge.json"
        text = json.dumps(report.as_dict(max_breaches=None), indent=2, default=str) + "\n"
        atomic_write(path, lambda handle: handle.write(text.encode()))
        return {"challenge": str(path)}


def report_writers() -> list[ChallengeReportWriter]:
    """What ``--report DIR`` writes. The HTML/PNG report joins this list when it exists."""
    return [JsonChallengeReport()]


def describe(out: dict[str, Any]) -> str:
    """A person's summary of ``ChallengeReport.as_dict()``."""
    setup, trades, counts = out["challenge"], out["trades"], out["outcomes"]
    lines = [
        f"FTMO {setup['ruleset']} challenge, {setup['mode']}: {setup['attempts']:,} attempts (seed {setup['seed']}) "
        f"over {trades['count']} trades, Prague days {trades['first_day']} to {trades['last_day']}",
        f"  passed {counts['passed']} ({_rate(out['pass_rate'])}); failed {counts['failed']}, "
        f"stopped by the internal floor {counts['stopped']}, unfinished {counts['unfinished']}",
    ]
    if out["phase1_pass_rate"] is not None:
        lines.append(f"  phase 1 passed {out['phase1_pass_rate']['successes']} ({_rate(out['phase1_pass_rate'])})")
    lines.append(f"  days to pass: {_days(out['days_to_pass'])}")
    spread = out["final_equity"]
    lines.append(f"  final equity: p05 {spread['p05']:,.2f} / median {spread['p50']:,.2f} / p95 {spread['p95']:,.2f} "
                 f"({spread['return_pct']['p50']:+.2f} % median)")
    denied = out["trades_denied_by_internal_floors"]
    lines.append(f"  trades the internal floors kept out: {denied['total']:,} "
                 f"({denied['per_attempt_mean']:g} an attempt)")
    lines += _breach_lines(out)
    gate = out["gate"]
    verdict = "PASSED" if gate["verdict"] == "passed" else "FAILED"
    lines.append(f"  challenge gate: {verdict}" + (f" ({'; '.join(gate['reasons'])})" if gate["reasons"] else ""))
    lines.append(f"  scaling: {out['assumptions']['scaling']}")
    lines.append(f"  intraday equity: {out['assumptions']['intraday_equity']}")
    return "\n".join(lines)


def _breach_lines(out: dict[str, Any]) -> list[str]:
    if not out["breaches_total"]:
        return ["  breach log: empty"]
    counts = ", ".join(f"{rule} {n:,}" + (" (the plan stopped)" if rule == "internal_total_loss" else "")
                       for rule, n in out["breach_counts"].items())
    first = out["breaches"][0]
    return [f"  breach log: {counts}",
            f"    first: attempt {first['attempt']} phase {first['phase']} day {first['day']} ({first['date']}, "
            f"{first['where'].replace('_', ' ')}): equity {first['equity']:,.2f} against floor "
            f"{first['floor']:,.2f}, trade {first['signal_id']}"]


def _rate(rate: dict[str, Any]) -> str:
    if rate["value"] is None:
        return "n/a"
    return f"{rate['value']:.1%}, Wilson 95 % {rate['wilson_low']:.2%} to {rate['wilson_high']:.2%}"


def _days(days: dict[str, Any]) -> str:
    if not days["n"]:
        return "none passed"
    return f"mean {days['mean']:g}, median {days['median']:g} (of {days['n']})"
