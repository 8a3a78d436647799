"""Feature build throughput: `BuildFeatures` end to end (read the parquet candle store, compute
features and labels per contiguous run, fit on the training window, write the feature set) on
about three pair-years of 1-minute bars.

Real candles (BTCUSDT + ETHUSDT from ../shared/data, or TRADEAI_SHARED_DATA) are imported into a
temporary store first (not timed); --synthetic uses random walks of the same size instead. Each
build runs in a fresh process so its peak resident memory is its own. Prints figures, --json
for machines.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

SHARED = Path(os.environ.get("TRADEAI_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
PAIR_YEAR = 525_600
FIT = (datetime(2021, 1, 1, tzinfo=UTC), datetime(2023, 1, 1, tzinfo=UTC))


def fill_store(data_dir: Path, pairs: list[str], synthetic_pair_years: float) -> None:
    import numpy as np

    from adapters.files import OhlcvCsvReader
    from adapters.parquet import ParquetCandleStore
    from application.data.ingest import ImportCandles
    from domain.market.candles import MINUTE_MS, Pair, datetime_to_ms
    from domain.market.quality import Ohlcv

    store = ParquetCandleStore.in_data_dir(data_dir)
    if not synthetic_pair_years:
        files = [str(SHARED / "binance-spot-1m" / f"{p}.csv.gz") for p in pairs]
        report = ImportCandles(OhlcvCsvReader(), store)(files)
        if not report.written:
            raise SystemExit("import of the shared candles was refused")
        return
    rows = int(PAIR_YEAR * synthetic_pair_years / len(pairs))
    start = datetime_to_ms(datetime(2021, 1, 1, tzinfo=UTC))
    for seed, pair in enumerate(pairs):
        rng = np.random.default_rng(seed)
        close = 100 * np.exp(np.cumsum(rng.normal(0, 0.001, rows)))
        open_ = np.concatenate([[100.0], close[:-1]])
        wick = np.abs(rng.normal(0, 0.0005, rows)) * close
        times = start + MINUTE_MS * np.arange(rows, dtype=np.int64)
        times[rows // 2:] += 90 * MINUTE_MS  # one gap, as in real data
        store.merge(Pair(pair), Ohlcv(times, open_, np.maximum(open_, close) + wick,
                                      np.minimum(open_, close) - wick, close, rng.uniform(1, 10, rows)), "synthetic")


def build_once(data_dir: str, pairs: list[str], queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    from adapters.features import PandasFeatureCalculator, ParquetFeatureStore
    from adapters.parquet import ParquetCandleStore
    from application.features.build import BuildFeatures, BuildRequest
    from domain.market.candles import Pair, datetime_to_ms

    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    use_case = BuildFeatures(ParquetCandleStore.in_data_dir(data_dir), PandasFeatureCalculator(),
                             ParquetFeatureStore.in_data_dir(data_dir))
    request = BuildRequest("bench", tuple(Pair(p) for p in pairs), datetime_to_ms(FIT[0]), datetime_to_ms(FIT[1]))
    t0 = time.perf_counter()
    report = use_case(request, datetime.now(UTC))
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    size = Path(report.location).stat().st_size
    queue.put({"seconds": seconds, "rows": report.rows, "peak_rss_mb": peak / 1024,
               "baseline_rss_mb": baseline / 1024, "file_mb": size / 2**20, "content_hash": report.content_hash})


def measure(data_dir: Path, pairs: list[str]) -> dict[str, object]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=build_once, args=(str(data_dir), pairs, queue))
    process.start()
    result = queue.get()
    process.join()
    return result  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", default="BTCUSDT,ETHUSDT")
    parser.add_argument("--synthetic", type=float, default=0.0, metavar="PAIR_YEARS",
                        help="use random walks of this many pair-years instead of the shared candles")
    parser.add_argument("--repeat", type=int, default=3, help="builds; the median time is printed")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    pairs = [p.strip().upper() for p in args.pairs.split(",") if p.strip()]
    if not args.synthetic and not (SHARED / "binance-spot-1m").exists():
        raise SystemExit(f"benchmark needs real candles at {SHARED / 'binance-spot-1m'} (or use --synthetic 3)")
    with tempfile.TemporaryDirectory() as tmp:
        # in a child too: Linux keeps a process's peak RSS across fork and exec, so the parent stays small
        context = multiprocessing.get_context("spawn")
        filler = context.Process(target=fill_store, args=(Path(tmp), pairs, args.synthetic))
        filler.start()
        filler.join()
        if filler.exitcode:
            raise SystemExit("filling the candle store failed")
        runs = [measure(Path(tmp), pairs) for _ in range(max(args.repeat, 1))]
    seconds = [float(r["seconds"]) for r in runs]  # type: ignore[arg-type]
    rows = int(runs[0]["rows"])  # type: ignore[call-overload]
    figures = {
        "source": f"synthetic {args.synthetic} pair-years" if args.synthetic else "shared real candles",
        "pairs": ",".join(pairs),
        "rows": rows,
        "pair_years": round(rows / PAIR_YEAR, 2),
        "build_seconds_median": round(statistics.median(seconds), 2),
        "build_seconds_max": round(max(seconds), 2),
        "rows_per_second": round(rows / statistics.median(seconds)),
        "peak_rss_mb": round(max(float(r["peak_rss_mb"]) for r in runs)),  # type: ignore[arg-type]
        "baseline_rss_mb": round(float(runs[0]["baseline_rss_mb"])),  # type: ignore[arg-type]
        "file_mb": round(float(runs[0]["file_mb"]), 1),  # type: ignore[arg-type]
        "same_hash_every_run": len({r["content_hash"] for r in runs}) == 1,
        "runs": len(runs),
        "cpus": os.cpu_count() or 0,
        "python": sys.version.split()[0],
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:24} {value:,}" if isinstance(value, int | float) and not isinstance(value, bool)
                  else f"{key:24} {value}")


if __name__ == "__main__":
    main()
