"""Market-data pipeline throughput on the real candles: import + validate (rows/s), the read of
one pair-year into a pandas frame, and replay windows from the parquet store.

Reads ../shared/data/binance-spot-1m (or TRADEAI_SHARED_DATA); prints its figures, --json for machines.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters.files import OhlcvCsvReader
from adapters.parquet import ParquetCandleSource, ParquetCandleStore, read_frame
from application.data.ingest import ImportCandles
from application.data.ingest_validate import validate_store
from domain.market.candles import Pair

SHARED = Path(os.environ.get("TRADEAI_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pairs", default="", help="comma-separated pairs (default: every file)")
    parser.add_argument("--year", type=int, default=2021, help="year read back into a frame")
    parser.add_argument("--repeat", type=int, default=3, help="runs; the median of each figure is printed")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    folder = SHARED / "binance-spot-1m"
    if not folder.exists():
        raise SystemExit(f"benchmark needs real candles at {folder}")
    wanted = {p.strip().upper() for p in args.pairs.split(",") if p.strip()}
    files = [str(f) for f in sorted(folder.glob("*.csv.gz")) if not wanted or f.name.split(".")[0] in wanted]
    runs = []
    for _ in range(max(args.repeat, 1)):
        with tempfile.TemporaryDirectory() as tmp:
            runs.append(run(files, ParquetCandleStore(Path(tmp) / "candles"), args.year))
    figures = {key: _median([r[key] for r in runs]) for key in runs[0]}
    figures["runs"] = len(runs)
    figures["cpus"] = os.cpu_count() or 0
    figures["load_average_1m"] = round(os.getloadavg()[0], 2)
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        for key, value in figures.items():
            print(f"{key:32} {value:,}" if isinstance(value, int | float) else f"{key:32} {value}")


def run(files: list[str], store: ParquetCandleStore, year: int) -> dict[str, object]:
    t0 = time.perf_counter()
    report = ImportCandles(OhlcvCsvReader(), store)(files)
    import_s = time.perf_counter() - t0
    if not report.written:
        raise SystemExit(f"import refused: {report.bad_row_count} bad rows")
    rows = sum(f.rows for f in report.files)
    t1 = time.perf_counter()
    quality = validate_store(store)
    validate_s = time.perf_counter() - t1
    pair = max(store.pairs(), key=lambda p: sum(n for m, n in store.monthly_rows(p).items() if m.startswith(str(year))))
    start, end = datetime(year, 1, 1, tzinfo=UTC), datetime(year + 1, 1, 1, tzinfo=UTC)
    t2 = time.perf_counter()
    frame = read_frame(store, pair, start, end)
    read_s = time.perf_counter() - t2
    window_us = _window_latency(store, pair)
    return {
        "files": len(files),
        "rows": rows,
        "import_seconds": round(import_s, 3),
        "validate_seconds": round(validate_s, 3),
        "import_rows_per_second": round(rows / import_s),
        "import_validate_rows_per_second": round(rows / (import_s + validate_s)),
        "gaps": sum(q.gap_count for q in quality.values()),
        "read_pair_year": f"{pair} {year}",
        "read_pair_year_rows": len(frame),
        "read_pair_year_seconds": round(read_s, 4),
        "replay_window_600_microseconds": round(window_us, 1),
    }


def _median(values: list[object]) -> object:
    if not all(isinstance(v, int | float) for v in values):
        return values[0]
    ordered = sorted(values)  # type: ignore[type-var]
    return ordered[len(ordered) // 2]


def _window_latency(store: ParquetCandleStore, pair: Pair, calls: int = 20_000) -> float:
    source = ParquetCandleSource(store, [pair])
    first, last = source.coverage(pair) or (None, None)
    if first is None or last is None:
        return 0.0
    step = (last - first) / calls
    t0 = time.perf_counter()
    for i in range(calls):
        source.window(pair, first + step * i + timedelta(minutes=600), 600)
    return (time.perf_counter() - t0) / calls * 1e6


if __name__ == "__main__":
    main()
