"""What ``tradeai backtest --local N`` moves to Dask workers, and what it costs: the bulk scoring of
every bar (each pair's series on a worker that reads the candle CSVs by path), against the same in
one process, over real candles from ../shared/data (or TRADEAI_SHARED_DATA) with the baseline
momentum predictor; and the whole engine run both ways (the account's pass stays in one process).

Prints the best of --repeat runs (the cluster already started; its start-up printed apart) and
checks that both runs take the same trades. Not a timed test.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench_challenge import CANDLES


def _best(repeat: int, work: Any) -> tuple[float, Any]:
    seconds, result = [], None
    for _ in range(repeat):
        began = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - began)
    return min(seconds), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--start", default="2025-06-01")
    parser.add_argument("--end", default="2025-07-01")
    parser.add_argument("--pairs", default="BTCUSDT,ETHUSDT")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not CANDLES.exists():
        sys.exit(f"skip: {CANDLES} not found (the benchmark backtests real candles from ../shared/data)")
    from adapters.brokers.paper import PaperBroker
    from adapters.dask.cluster import dask_client
    from adapters.dask.runner import DaskTaskRunner
    from adapters.predictors.baseline import BaselineMomentumPredictor
    from application.backtest.engine import BacktestConfig, BacktestEngine
    from application.backtest.ports import P90Costs
    from application.backtest.scoring import InProcessScoring, PieceScoring, between
    from application.runtime.scan_market import ScanConfig
    from domain.market.candles import Pair, datetime_to_ms
    from domain.signals.signal import Mode
    from entrypoints.candle_paths import CandleFilesReader
    from entrypoints.container.backtest import BacktestContainer

    pairs = tuple(Pair.parse(p) for p in args.pairs.split(","))
    start, end = (datetime.fromisoformat(d).replace(tzinfo=UTC) for d in (args.start, args.end))
    loader = BacktestContainer.candle_loader()
    began = time.perf_counter()
    candles = loader([CANDLES], list(pairs))
    print(f"{args.pairs} {args.start} -> {args.end}, baseline momentum, {os.cpu_count()} CPUs, {date.today()}, "
          f"best of {args.repeat}; candles read here in {time.perf_counter() - began:.2f} s")
    predictor = BaselineMomentumPredictor()
    since, until = datetime_to_ms(start - timedelta(minutes=62)), datetime_to_ms(end)
    series = {p: between(candles[p], since, until) for p in pairs}

    def engine(scoring: Any) -> Any:
        return BacktestEngine(predictor=predictor, costs=P90Costs(), broker_for=PaperBroker,
                              config=BacktestConfig(ScanConfig(pairs=pairs, mode=Mode.DRYRUN)), timer=lambda: 0.0,
                              scoring=scoring).run(candles, start, end)

    began = time.perf_counter()
    with dask_client(workers=args.workers) as client:
        print(f"LocalCluster of {args.workers} workers started in {time.perf_counter() - began:.2f} s")
        spread = PieceScoring(DaskTaskRunner(client), CandleFilesReader((str(Path(CANDLES).resolve()),), loader))
        here, _ = _best(args.repeat, lambda: InProcessScoring().score(predictor, series, since, until))
        there, _ = _best(args.repeat, lambda: spread.score(predictor, series, since, until))
        print(f"bulk scoring of {sum(len(s) for s in series.values()):,} bars: one process {here:.3f} s, "
              f"--local {args.workers} {there:.3f} s (each worker reads its pair's CSV)")
        alone, one = _best(args.repeat, lambda: engine(InProcessScoring()))
        many_s, many = _best(args.repeat, lambda: engine(spread))
        print(f"whole engine run ({len(one.trades):,} trades): one process {alone:.2f} s, --local {args.workers} "
              f"{many_s:.2f} s; same trades: {one.trades == many.trades}")


if __name__ == "__main__":
    main()
