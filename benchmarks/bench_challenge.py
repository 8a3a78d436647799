"""FTMO challenge simulations per second: 10,000 Monte Carlo attempts (2-Step, day-block bootstrap,
30-day attempts) over the trades of real backtests on ../shared/data (or TRADEAI_SHARED_DATA).

The trade lists come from `tradeai backtest` over BTCUSDT and ETHUSDT, June 2025, the baseline
predictor:

(a) the default settings (1 % risk per trade): the baseline loses, its guard stops it at the
    internal floor within days, so the list is short;
(b) 0.02 % risk per trade, so the backtest's account keeps trading all month: about 1,500 trades,
    up to ~190 on a busy day. Simulated twice: re-sized to risk 1 % per trade (--risk-pct 1, the
    plan's risk; most attempts stop at the internal floor within days, as the baseline's would),
    and at the backtest's own sizes (0.02 %: no attempt ends early, every attempt runs all of its
    days: the slowest case).

Prints attempts per second (the best and the median of --repeat runs: single runs on this 2-core
machine move by ±30 %) and how the attempts ended; not a timed test.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

SHARED = Path(os.environ.get("TRADEAI_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
CANDLES = SHARED / "binance-spot-1m"


def backtest(folder: Path, start: str, end: str, pairs: str, risk_pct: float | None) -> Path:
    env = {**os.environ, "LOG_LEVEL": "WARNING", **({"RISK_PER_TRADE_PCT": str(risk_pct)} if risk_pct else {})}
    out = folder / f"risk-{risk_pct or 'default'}"
    subprocess.run([sys.executable, "-m", "entrypoints.cli", "backtest", "--replay", str(CANDLES), "--pairs", pairs,
                    "--start", start, "--end", end, "--out", str(out), "--json"], env=env, cwd=folder, check=True,
                   capture_output=True, text=True)
    return out / "trades.parquet"


def simulate(trades: Path, attempts: int, days: int, risk_pct: float | None) -> tuple[float, dict[str, int], int]:
    from application.challenge import ChallengeRequest, Mode, simulate_challenges
    from domain.challenge import Scaling
    from domain.risk import RiskSettings
    from entrypoints.challenge_files import backtest_balance, backtest_summary, period_of, read_trades

    rows = read_trades(trades)
    summary = backtest_summary(trades)
    balance = backtest_balance(summary) or 100_000.0
    request = ChallengeRequest(Mode.MONTE_CARLO, attempts, RiskSettings(), Scaling(balance, 100_000.0, risk_pct), 42,
                               days=days, period=period_of(summary))
    began = time.perf_counter()
    report = simulate_challenges(rows, request)
    seconds = time.perf_counter() - began
    return seconds, report.as_dict(max_breaches=0)["outcomes"], len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attempts", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=30, help="Prague days per Monte Carlo attempt")
    parser.add_argument("--start", default="2025-06-01")
    parser.add_argument("--end", default="2025-07-01")
    parser.add_argument("--pairs", default="BTCUSDT,ETHUSDT")
    parser.add_argument("--repeat", type=int, default=5, help="runs of each case: the best and the median are printed")
    args = parser.parse_args()
    if not CANDLES.exists():
        sys.exit(f"skip: {CANDLES} not found (the benchmark backtests real candles from ../shared/data)")
    print(f"{args.attempts:,} Monte Carlo attempts of {args.days} days, 2-Step, {args.pairs} {args.start} -> "
          f"{args.end}, {os.cpu_count()} CPUs, {date.today()}")
    with tempfile.TemporaryDirectory() as tmp:
        default = backtest(Path(tmp), args.start, args.end, args.pairs, None)
        dense = backtest(Path(tmp), args.start, args.end, args.pairs, 0.02)
        for label, trades, risk in (("(a) default backtest, own sizes     ", default, None),
                                    ("(b) 0.02 % backtest, re-sized to 1 %", dense, 1.0),
                                    ("(b) 0.02 % backtest, own sizes      ", dense, None)):
            runs = [simulate(trades, args.attempts, args.days, risk) for _ in range(args.repeat)]
            seconds = sorted(run[0] for run in runs)
            outcomes, count = runs[0][1], runs[0][2]
            ended = ", ".join(f"{k} {v:,}" for k, v in outcomes.items() if v)
            median = seconds[len(seconds) // 2]
            print(f"{label}: {count:>5,} trades, best {seconds[0]:5.2f} s, {args.attempts / seconds[0]:>9,.0f} "
                  f"challenges/s (median of {args.repeat}: {args.attempts / median:,.0f}/s; {ended})")


if __name__ == "__main__":
    main()
