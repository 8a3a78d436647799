"""Training throughput: samples per second through the LSTM and the Transformer (forward, backward
and AdamW step, the windows gathered from the feature matrix per batch), and prediction
throughput, on real candles.

The shared BTCUSDT and ETHUSDT candles (../shared/data, or TRADEAI_SHARED_DATA) are imported into a
temporary candle store and a feature set is built there by the project's own use cases (not
timed). Each model then trains for --epochs epochs on --samples training samples of 2021-2023
with the CLI's default architecture; the figure is the median epoch (the first includes warm-up).
Prints the figures and the date, --json for machines.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

SHARED = Path(os.environ.get("TRADEAI_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
TRAIN = (datetime(2021, 1, 1, tzinfo=UTC), datetime(2024, 1, 1, tzinfo=UTC))
VALIDATION = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
MODELS: dict[str, dict[str, Any]] = {
    # the defaults of `tradeai train lstm` and `tradeai train transformer`
    "lstm": {"pairs": ("BTCUSDT",), "window": 60, "hidden": 32, "layers": 1},
    "transformer": {"pairs": ("BTCUSDT", "ETHUSDT"), "window": 30, "hidden": 32, "layers": 2, "heads": 2,
                    "trend_weight": 1.0},
}


def build_feature_set(data_dir: Path) -> None:
    from adapters.features import PandasFeatureCalculator, ParquetFeatureStore
    from adapters.files import OhlcvCsvReader
    from adapters.parquet import ParquetCandleStore
    from application.data.ingest import ImportCandles
    from application.features.build import BuildFeatures, BuildRequest
    from domain.market.candles import Pair, datetime_to_ms

    store = ParquetCandleStore.in_data_dir(data_dir)
    files = [str(SHARED / "binance-spot-1m" / f"{p}.csv.gz") for p in ("BTCUSDT", "ETHUSDT")]
    if not ImportCandles(OhlcvCsvReader(), store)(files).written:
        raise SystemExit("import of the shared candles was refused")
    # stored: the training and validation years only; fitted: the training years
    request = BuildRequest("bench", (Pair("BTCUSDT"), Pair("ETHUSDT")), datetime_to_ms(TRAIN[0]),
                           datetime_to_ms(TRAIN[1]), datetime_to_ms(TRAIN[0]), datetime_to_ms(VALIDATION[1]))
    build = BuildFeatures(store, PandasFeatureCalculator(), ParquetFeatureStore.in_data_dir(data_dir))
    build(request, datetime.now(UTC))


def measure(data_dir: Path, name: str, kind: str, samples: int, epochs: int, batch: int, device: str,
            seed: int) -> dict[str, Any]:
    from adapters.features import ParquetFeatureStore
    from adapters.torch import TorchTrainer
    from application.models.training.ports import SilentObserver, TrainingPlan
    from application.models.training.samples import build_matrix, period_samples
    from domain.features.splits import Period
    from domain.models.cards import ModelKind

    spec = MODELS[kind]
    store = ParquetFeatureStore.in_data_dir(data_dir)
    tables = [t for t in store.load(name) if t.pair.symbol in spec["pairs"]]
    matrix = build_matrix(tables, store.manifest(name)["features"], spec["window"])
    train = period_samples(matrix, Period("train", *TRAIN), max_samples=samples)
    validation = period_samples(matrix, Period("validation", *VALIDATION), max_samples=1000)
    params = {k: v for k, v in spec.items() if k != "pairs"} | {
        "epochs": epochs, "patience": epochs, "batch": batch, "lr": 1e-3, "weight_decay": 1e-4, "dropout": 0.1,
        "n_features": len(matrix.features), "n_pairs": len(matrix.pairs)}
    model = TorchTrainer().fit(TrainingPlan(ModelKind(kind), params, seed, device), matrix, train, validation,
                               SilentObserver())
    rates = [r.samples / r.seconds for r in model.history]
    started = time.perf_counter()
    model.predict(matrix, train)
    predict_rate = len(train) / (time.perf_counter() - started)
    return {"model": kind, "pairs": ",".join(spec["pairs"]), "window": spec["window"], "hidden": spec["hidden"],
            "layers": spec["layers"], "train_samples": len(train), "batch": batch, "epochs": len(rates),
            "train_samples_per_s_median": round(statistics.median(rates[1:] or rates)),
            "train_samples_per_s_first_epoch": round(rates[0]), "predict_samples_per_s": round(predict_rate),
            "device": model.device}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=30_000, help="training samples per epoch")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--batch", type=int, default=512)
    parser.add_argument("--device", default="cpu", choices=("cpu", "cuda", "auto"))
    parser.add_argument("--models", default="lstm,transformer")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", type=Path,
                        help="use the feature set --feature-set stored under DATA_DIR/features instead of building "
                             "one (a machine without the shared candles, e.g. a GPU host)")
    parser.add_argument("--feature-set", default="bench")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    import torch

    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data_dir or Path(tmp)
        if args.data_dir is None:
            if not (SHARED / "binance-spot-1m").exists():
                raise SystemExit(f"benchmark needs real candles at {SHARED / 'binance-spot-1m'}")
            build_feature_set(data_dir)
        results = [measure(data_dir, args.feature_set, kind.strip(), args.samples, args.epochs, args.batch,
                           args.device, args.seed) for kind in args.models.split(",") if kind.strip()]
    figures = {"date": datetime.now(UTC).strftime("%Y-%m-%d"), "source": "shared real candles (BTCUSDT, ETHUSDT)",
               "cpus": os.cpu_count() or 0, "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
               "python": sys.version.split()[0], "machine": platform.machine(), "results": results}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        if key != "results":
            print(f"{key:16} {value}")
    for result in results:
        print(f"{result['model']:12} {result['pairs']:16} window {result['window']:>3} hidden {result['hidden']} "
              f"layers {result['layers']}: train {result['train_samples_per_s_median']:,} samples/s (median epoch; "
              f"first {result['train_samples_per_s_first_epoch']:,}), predict {result['predict_samples_per_s']:,} "
              f"samples/s, {result['train_samples']:,} samples x {result['epochs']} epochs, batch {result['batch']}, "
              f"{result['device']}")


if __name__ == "__main__":
    main()
