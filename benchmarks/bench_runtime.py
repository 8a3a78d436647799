"""Replay throughput of the runtime through the whole FTMO core (guard, hysteresis, paper account,
unit of work with the guard state on SQLite): scans per second over real candles.

Reads ../shared/data/binance-spot-1m (or TRADEAI_SHARED_DATA); prints its figures, --json for machines.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.brokers.paper import PaperBroker
from adapters.clock import ReplayClock
from adapters.console import ConsoleNotifier
from adapters.files import OhlcvCsvReader, candle_files
from adapters.predictors.baseline import BaselineMomentumPredictor
from adapters.replay import MemoryCandleStore
from adapters.sql import SqlRiskBook, create_engine, upgrade
from application.data.candle_source import LoadedCandleSource
from application.data.replay_files import load_replay_files
from application.runtime.loop import Runtime
from application.runtime.scan_market import ScanConfig, ScanMarket
from domain.market.candles import Pair
from domain.signals.signal import Mode

SHARED = Path(os.environ.get("TRADEAI_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
PAIRS = (Pair("BTCUSDT"), Pair("ETHUSDT"), Pair("BNBUSDT"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=7, help="market days to replay")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    folder = SHARED / "binance-spot-1m"
    if not folder.exists():
        raise SystemExit(f"benchmark needs real candles at {folder}")
    started = time.perf_counter()
    store = MemoryCandleStore()
    load_replay_files(candle_files([folder], PAIRS), OhlcvCsvReader(), store)
    source = LoadedCandleSource(store.load)
    load_s = time.perf_counter() - started
    until = datetime(2021, 7, 10, tzinfo=UTC)
    start = until - timedelta(days=args.days)
    with tempfile.TemporaryDirectory() as tmp, Path(os.devnull).open("w") as devnull:
        engine = create_engine(f"sqlite:///{tmp}/bench.db")
        upgrade(engine)
        scan = ScanMarket(source=source, predictor=BaselineMomentumPredictor(), book=SqlRiskBook(engine, "replay"),
                          notifier=ConsoleNotifier(devnull), broker=PaperBroker(),
                          config=ScanConfig(pairs=PAIRS, mode=Mode.DRYRUN), timer=time.perf_counter)
        runtime = Runtime(clock=ReplayClock(start), scan=scan, interval=timedelta(minutes=2),
                          stop=threading.Event())
        t0 = time.perf_counter()
        summary = runtime.run(start, until)
        run_s = time.perf_counter() - t0
    figures = {
        "load_seconds": round(load_s, 3),
        "market_days": args.days,
        "scans": summary.scans,
        "pair_scans": summary.scans * len(PAIRS),
        "signals_recorded": summary.emitted,
        "paper_trades_closed": sum(summary.closed.values()),
        "run_seconds": round(run_s, 3),
        "pair_scans_per_second": round(summary.scans * len(PAIRS) / run_s, 1),
        "ms_per_pair_scan": round(run_s * 1000 / (summary.scans * len(PAIRS)), 3),
    }
    if args.json:
        print(json.dumps(figures))
    else:
        for key, value in figures.items():
            print(f"{key:>24}: {value}")


if __name__ == "__main__":
    main()
