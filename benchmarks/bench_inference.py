"""Serving latency: one scan of the runtime with trained models, as the runtime asks it: one
``predict_scan`` on the last ``lookback`` candles of BTCUSDT, ETHUSDT and BNBUSDT, an LSTM per coin
and the transformer across the three run once on the stacked windows (the CLI's default
architectures), ensembled, on CPU. --per-pair times ``predict`` per pair instead (the path before).

Real candles (../shared/data, or TRADEAI_SHARED_DATA) of May 2021, a month all three coins hold,
are imported into a temporary store and a feature set is built from them by the project's own use
cases (not timed). The networks are seeded but untrained: a forward pass costs the same whatever
the weights, so the latency is the served models' latency. Each scan is timed end to end (the
features from candles, the normalizer, the networks, calibration and the ensemble) at --scans
minutes spread over the month, --runs times; each run's p50, p99, max and the 1-minute load average
are printed (the VM's cores are shared), then the medians; --json for machines. Also checks that
every scan-level prediction equals ``predict`` of its window alone. Target p99 <= 10 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

SHARED = Path(os.environ.get("TRADEAI_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
PAIRS = ("BTCUSDT", "ETHUSDT", "BNBUSDT")
MONTH = (datetime(2021, 5, 1, tzinfo=UTC), datetime(2021, 6, 1, tzinfo=UTC))
TARGET_P99_MS = 10.0


def build(data_dir: Path) -> tuple[Any, dict[str, Any]]:
    from adapters.features import PandasFeatureCalculator, ParquetFeatureStore
    from adapters.files import OhlcvCsvReader
    from adapters.parquet import ParquetCandleStore
    from application.data.ingest import ImportCandles
    from application.features.build import BuildFeatures, BuildRequest
    from domain.market.candles import Pair, datetime_to_ms

    store = ParquetCandleStore.in_data_dir(data_dir)
    files = [str(SHARED / "binance-spot-1m" / f"{p}.csv.gz") for p in PAIRS]
    if not ImportCandles(OhlcvCsvReader(), store)(files).written:
        raise SystemExit("import of the shared candles was refused")
    start, end = (datetime_to_ms(t) for t in MONTH)
    request = BuildRequest("bench", tuple(Pair(p) for p in PAIRS), start, end, start, end)
    features = ParquetFeatureStore.in_data_dir(data_dir)
    BuildFeatures(store, PandasFeatureCalculator(), features)(request, datetime.now(UTC))
    return store, features.manifest("bench")


def served(manifest: dict[str, Any], seed: int) -> Any:
    import torch

    from adapters.features import PandasFeatureCalculator
    from adapters.torch.networks import build_network
    from adapters.torch.serving import ServedModel, TorchEnsemblePredictor
    from application.models.serving import FeatureInputs
    from application.models.training.cards import draft_card
    from domain.features.splits import Period, Split
    from domain.models.cards import ModelKind
    from domain.signals.confidence import EnsembleSettings

    inputs = FeatureInputs("bench", manifest, PandasFeatureCalculator())
    split = Split("bench", (Period("train", MONTH[0], MONTH[1]),), timedelta(minutes=15))
    common = {"hidden": 32, "dropout": 0.1, "n_features": len(manifest["features"])}
    specs = [(ModelKind.LSTM, (p,), {**common, "window": 60, "layers": 1, "n_pairs": 1}) for p in PAIRS]
    specs.append((ModelKind.TRANSFORMER, PAIRS, {**common, "window": 30, "layers": 2, "heads": 2, "n_pairs": 3}))
    models = []
    for number, (kind, pairs, params) in enumerate(specs):
        torch.manual_seed(seed + number)
        card = draft_card(kind, pairs, manifest, "bench", params["window"], params, seed, split, "bench",
                          datetime.now(UTC))
        role = f"lstm_{pairs[0][:3].lower()}" if kind is ModelKind.LSTM else "transformer"
        models.append(ServedModel(f"v0.0.{number}", role, card, build_network(kind, params).eval(), inputs))
    return TorchEnsemblePredictor(models, EnsembleSettings())


def measure(store: Any, predictor: Any, scans: int, runs: int, per_pair: bool) -> dict[str, Any]:
    from domain.market.candles import CandleWindow, Pair

    series = {p: store.load(Pair(p)) for p in PAIRS}
    columns = ("open_time_ms", "open", "high", "low", "close", "volume")
    shortest = min(len(s) for s in series.values())
    ends = np.linspace(predictor.lookback, shortest - 1, scans).astype(int)
    windows = [{Pair(p): CandleWindow(Pair(p), *(getattr(series[p], c)[e + 1 - predictor.lookback:e + 1]
                                                 for c in columns)) for p in PAIRS} for e in ends]
    # the runtime's call (application.runtime.scan_predictions): one predict_scan per scan
    call = ((lambda scan: [predictor.predict(w) for w in scan.values()]) if per_pair
            else (lambda scan: list(predictor.predict_scan(scan).values())))
    for scan in windows[:5]:  # warm-up: first calls allocate
        call(scan)
    every, predicted = [], 0
    for _ in range(runs):
        seconds = []
        for scan in windows:
            started = time.perf_counter()
            answers = call(scan)
            seconds.append(time.perf_counter() - started)
            predicted += sum(a is not None for a in answers)
        ms = np.array(seconds) * 1000
        every.append({"p50_ms": round(float(np.percentile(ms, 50)), 2),
                      "p99_ms": round(float(np.percentile(ms, 99)), 2),
                      "max_ms": round(float(ms.max()), 2), "load_1m": round(os.getloadavg()[0], 2)})
    p99 = [run["p99_ms"] for run in every]
    return {"path": "predict per pair" if per_pair else "predict_scan", "scans": scans, "runs": every,
            "pair_predictions": predicted, "p50_ms": float(np.median([run["p50_ms"] for run in every])),
            "p99_ms": float(np.median(p99)), "target_p99_ms": TARGET_P99_MS,
            "runs_met": sum(p <= TARGET_P99_MS for p in p99), "met": bool(np.median(p99) <= TARGET_P99_MS),
            "largest_scan_vs_pair_difference": agreement(predictor, windows), **stages(predictor, windows)}


def agreement(predictor: Any, windows: list[dict[Any, Any]]) -> float:
    """The largest |probability| difference of a scan-level prediction from ``predict`` of its window
    alone (the batch moves the transformer's float32 sums by memory alignment only)."""
    largest = 0.0
    for scan in windows:
        together = predictor.predict_scan(scan)
        for pair, window in scan.items():
            alone = together[pair], predictor.predict(window)
            if (alone[0] is None) != (alone[1] is None) or (alone[0] and alone[0].direction != alone[1].direction):
                raise SystemExit(f"{pair}: the scan-level prediction differs from predict: {alone}")
            if alone[0] is not None:
                largest = max(largest, abs(alone[0].probability - alone[1].probability))
    return float(f"{largest:.3g}")


def stages(predictor: Any, windows: list[dict[Any, Any]]) -> dict[str, float]:
    """Where a scan's time goes (medians per scan), by the calls ``predict_scan`` makes: the model
    inputs from candles (the features of the rows the windows read, normalized), then each network's
    forward pass once on the windows it serves; the rest (windows, calibration, ensemble) is the
    scan's p50 less these."""
    from adapters.torch.serving import forward_last
    from domain.market.quality import Ohlcv

    columns = ("open_time_ms", "open", "high", "low", "close", "volume")
    features, networks = [], []
    for scan in windows:
        spent, inputs = [0.0, 0.0], {}
        for pair, window in scan.items():
            served = [m for m in predictor.models if pair.symbol in m.card.pairs]
            started = time.perf_counter()
            candles = Ohlcv(*(getattr(window, c) for c in columns))
            inputs[pair.symbol] = served[0].inputs.last_inputs(pair.symbol, candles, max(m.card.window for m in served))
            spent[0] += time.perf_counter() - started
        for model in predictor.models:
            pairs = [p for p in model.card.pairs if p in inputs]
            started = time.perf_counter()
            forward_last(model.network, [inputs[p].values[-model.card.window:] for p in pairs],
                         [model.card.pairs.index(p) for p in pairs])
            spent[1] += time.perf_counter() - started
        features.append(spent[0])
        networks.append(spent[1])
    return {"features_p50_ms": round(float(np.median(features)) * 1000, 2),
            "networks_p50_ms": round(float(np.median(networks)) * 1000, 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scans", type=int, default=500)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch CPU threads (the runtime serves on adapters.torch.serving.SERVING_THREADS, 1)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--runs", type=int, default=5, help="timed passes over the scans (each reported)")
    parser.add_argument("--per-pair", action="store_true",
                        help="time predict per pair (the path before the scan-level call) instead of predict_scan")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if not (SHARED / "binance-spot-1m").exists():
        raise SystemExit(f"benchmark needs real candles at {SHARED / 'binance-spot-1m'}")
    import torch

    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        store, manifest = build(Path(tmp))
        predictor = served(manifest, args.seed)
        figures = {"date": datetime.now(UTC).strftime("%Y-%m-%d"), "pairs": list(PAIRS), "lookback": predictor.lookback,
                   "models": predictor.version, "weights": "seeded, untrained (latency does not depend on them)",
                   "torch_threads": torch.get_num_threads(), "torch": torch.__version__,
                   "python": sys.version.split()[0], "machine": platform.machine(),
                   **measure(store, predictor, args.scans, args.runs, args.per_pair)}
    if args.json:
        print(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        if key != "runs":
            print(f"{key:18} {value}")
    for number, run in enumerate(figures["runs"], 1):
        print(f"run {number}: p50 {run['p50_ms']} ms, p99 {run['p99_ms']} ms, max {run['max_ms']} ms, "
              f"load {run['load_1m']}")
    print(f"one scan (3 pairs, 4 models, CPU, {figures['path']}): median of {len(figures['runs'])} runs p50 "
          f"{figures['p50_ms']} ms, p99 {figures['p99_ms']} ms ({figures['runs_met']} runs within): target p99 <= "
          f"{TARGET_P99_MS:g} ms {'met' if figures['met'] else 'NOT met'}")


if __name__ == "__main__":
    main()
