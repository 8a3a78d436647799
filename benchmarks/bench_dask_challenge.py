"""FTMO challenge simulations in one process against the same on a Dask LocalCluster of N worker
processes (``tradeai challenge simulate --local N``), over the trades of a real backtest on
../shared/data (or TRADEAI_SHARED_DATA): BTCUSDT and ETHUSDT, June 2025, baseline predictor, 0.02 %
risk per trade (about 1,500 trades, benchmarks/bench_challenge.py's case (b)); Monte Carlo 2-Step
attempts of 30 days, re-sized to 1 % risk and at the backtest's own sizes (no attempt ends early).

Prints, per case, the best of --repeat runs in one process and on the cluster (already started:
its start-up is printed apart, as the CLI pays it once per command) and checks that both give the
same report. Not a timed test; on a shared 2-core machine single runs move by tens of per cent.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench_challenge import CANDLES, backtest


def _request(trades: Path, attempts: int, days: int, risk_pct: float | None) -> tuple[list[Any], Any]:
    from application.challenge import ChallengeRequest, Mode
    from domain.challenge import Scaling
    from domain.risk import RiskSettings
    from entrypoints.challenge_files import backtest_balance, backtest_summary, period_of, read_trades

    rows = read_trades(trades)
    summary = backtest_summary(trades)
    balance = backtest_balance(summary) or 100_000.0
    return rows, ChallengeRequest(Mode.MONTE_CARLO, attempts, RiskSettings(), Scaling(balance, 100_000.0, risk_pct),
                                  42, days=days, period=period_of(summary))


def _best(rows: list[Any], request: Any, runner: Any, repeat: int) -> tuple[float, dict[str, Any]]:
    from application.challenge import simulate_challenges

    seconds, report = [], {}
    for _ in range(repeat):
        began = time.perf_counter()
        report = simulate_challenges(rows, request, runner=runner).as_dict()
        seconds.append(time.perf_counter() - began)
    return min(seconds), report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--attempts", default="10000,100000", help="comma-separated attempt counts")
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster worker processes (--local N)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not CANDLES.exists():
        sys.exit(f"skip: {CANDLES} not found (the benchmark backtests real candles from ../shared/data)")
    from adapters.dask.cluster import dask_client
    from adapters.dask.runner import DaskTaskRunner
    from application.tasks import SerialRunner

    print(f"Monte Carlo 2-Step attempts of {args.days} days, one process vs --local {args.workers}, "
          f"{os.cpu_count()} CPUs, {date.today()}, best of {args.repeat}")
    with tempfile.TemporaryDirectory() as tmp:
        trades = backtest(Path(tmp), "2025-06-01", "2025-07-01", "BTCUSDT,ETHUSDT", 0.02)
        began = time.perf_counter()
        with dask_client(workers=args.workers) as client:
            print(f"LocalCluster of {args.workers} workers started in {time.perf_counter() - began:.2f} s")
            for attempts in (int(a) for a in args.attempts.split(",")):
                for label, risk in (("re-sized to 1 %", 1.0), ("own sizes     ", None)):
                    rows, request = _request(trades, attempts, args.days, risk)
                    alone, one = _best(rows, request, SerialRunner(), args.repeat)
                    spread, many = _best(rows, request, DaskTaskRunner(client), args.repeat)
                    print(f"{attempts:>7,} attempts, {len(rows):,} trades {label}: one process {alone:6.2f} s, "
                          f"--local {args.workers} {spread:6.2f} s (x{alone / spread:.2f}); same report: {one == many}")


if __name__ == "__main__":
    main()
