"""The same sweep on 1 and on 2 local Dask workers: wall time, per-cell cost and speed-up, and a
projection of a 1,000-cell sweep's wall time on N workers from the measured per-cell cost.

The shared BTCUSDT and ETHUSDT candles of 2020-05-22 to 05-30 (eight whole days both hold; from
../shared/data or TRADEAI_SHARED_DATA) go into a temporary candle store and a feature set is built
there (not timed). The sweep: LSTM, both pairs, day folds (3 days train, 1 day validation, stepped
by a day; 3 of them validate after the normalizer's fit window), hidden 16/32 x lr 0.001/0.003:
24 cells, each one training run (3 epochs, up to 6,000 samples per period) and its
validation-day backtest. Each run of `tradeai sweep` starts its own cluster
and writes to its own folder, so nothing is skipped. Prints the figures and the date, --json too.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SHARED = Path(os.environ.get("TRADEAI_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
FIRST, LAST = datetime(2020, 5, 22, tzinfo=UTC), datetime(2020, 5, 30, tzinfo=UTC)
ROWS = {"BTCUSDT": 116_000, "ETHUSDT": 13_000}  # rows of each file read to reach LAST
GRID = """
[sweep]
name = "bench"
model = "lstm"
pairs = ["BTCUSDT", "ETHUSDT"]
metric = "validation_accuracy"
seed = 7
backtest = true

[folds]
train_days = 3
validate_days = 1
step_days = 1
max_folds = 4

[grid]
hidden = [16, 32]
lr = [0.001, 0.003]

[fixed]
epochs = 3
max_samples = 6000
window = 30
"""


def build(data_dir: Path) -> None:
    import numpy as np
    import pandas as pd

    from adapters.features import PandasFeatureCalculator, ParquetFeatureStore
    from adapters.parquet import ParquetCandleStore
    from application.features.build import BuildFeatures, BuildRequest
    from domain.market.candles import Pair, datetime_to_ms
    from domain.market.quality import Ohlcv

    store = ParquetCandleStore.in_data_dir(data_dir)
    for pair, rows in ROWS.items():
        frame = pd.read_csv(SHARED / "binance-spot-1m" / f"{pair}.csv.gz", nrows=rows)
        t = frame["open_time"].to_numpy(np.int64)
        keep = (t >= datetime_to_ms(FIRST)) & (t < datetime_to_ms(LAST))
        store.merge(Pair(pair), Ohlcv(*(frame[c].to_numpy()[keep] for c in
                                        ("open_time", "open", "high", "low", "close", "volume"))), "shared")
    fit_end = datetime_to_ms(datetime(2020, 5, 25, 23, 45, tzinfo=UTC))
    request = BuildRequest("bench", (Pair("BTCUSDT"), Pair("ETHUSDT")), datetime_to_ms(FIRST), fit_end)
    BuildFeatures(store, PandasFeatureCalculator(), ParquetFeatureStore.in_data_dir(data_dir))(request,
                                                                                             datetime.now(UTC))


def sweep(data_dir: Path, grid: Path, out: Path, workers: int) -> dict[str, Any]:
    tradeai = Path(sys.executable).with_name("tradeai")
    started = time.perf_counter()
    done = subprocess.run([str(tradeai), "sweep", "--grid", str(grid), "--local", str(workers), "--data-dir",
                           str(data_dir), "--out", str(out), "--json"], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"sweep on {workers} worker(s) exited {done.returncode}: {done.stderr[-2000:]}")
    payload = json.loads(done.stdout)
    return {"workers": workers, "wall_s": round(wall, 1), "cells": payload["ran"],
            "cell_median_s": round(payload["cell_seconds"]["median"], 2),
            "cell_total_s": round(payload["cell_seconds"]["total"], 1)}


def projection(runs: list[dict[str, Any]], cells: int = 1000) -> list[dict[str, Any]]:
    """Wall time of ``cells`` cells on N workers: a fixed start (the 1-worker run's wall time less
    its cells) plus the cells spread over N workers at the 1-worker per-cell cost, scaled by the
    parallel efficiency measured at 2 workers (less than 1 when workers share cores or memory)."""
    one, two = runs[0], runs[1]
    per_cell = one["cell_total_s"] / one["cells"]
    start = max(0.0, one["wall_s"] - one["cell_total_s"])
    efficiency = min(1.0, (one["wall_s"] - start) / (2 * max(1e-9, two["wall_s"] - start)))
    return [{"workers": n, "seconds": round(start + math.ceil(cells / n) * per_cell / (1 if n == 1 else efficiency))}
            for n in (1, 2, 8, 32, 128)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not (SHARED / "binance-spot-1m" / "BTCUSDT.csv.gz").exists():
        raise SystemExit(f"the shared candles are not at {SHARED} (set TRADEAI_SHARED_DATA)")
    with tempfile.TemporaryDirectory() as tmp:
        data_dir, grid = Path(tmp) / "data", Path(tmp) / "sweep.toml"
        build(data_dir)
        grid.write_text(GRID)
        runs = [sweep(data_dir, grid, Path(tmp) / f"models-{n}", n) for n in (1, 2)]
    figures = {"date": datetime.now(UTC).date().isoformat(), "machine": f"{platform.machine()}, {os.cpu_count()} cpus",
               "load_average": os.getloadavg()[0], "runs": runs,
               "speed_up_2_workers": round(runs[0]["wall_s"] / runs[1]["wall_s"], 2),
               "projection_1000_cells": projection(runs)}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    print(f"sweep benchmark {figures['date']} on {figures['machine']} (load {figures['load_average']:.1f})")
    for run in runs:
        print(f"  {run['workers']} worker(s): {run['wall_s']} s wall for {run['cells']} cells, "
              f"median cell {run['cell_median_s']} s, cells total {run['cell_total_s']} s")
    print(f"  speed-up with 2 workers: {figures['speed_up_2_workers']}x")
    print("  1,000 cells projected: " + ", ".join(f"{p['workers']} workers {_clock(p['seconds'])}"
                                                   for p in figures["projection_1000_cells"]))


def _clock(seconds: float) -> str:
    minutes = round(seconds / 60)
    return f"{minutes // 60} h {minutes % 60:02d} min"


if __name__ == "__main__":
    main()
