"""How the feature-drift trigger behaves on real candles (../shared/data, or TRADEAI_SHARED_DATA),
and what one drift check costs, for one pair:

(a) out of sample: each week of 2025 (the recent 7 days ending each Wednesday 00:00 UTC that holds
    data) against a 2024 training window, as `tradeai model monitor` runs it (parquet feature set
    in a temporary folder, hourly rows, KS per feature, Holm over the features, alpha 0.01);
(b) in sample: each week of 2024 against the whole 2024 window it belongs to, where nothing changed
    but the week's own regime: how often the trigger would fire on an ordinary week;
(c) for both, how many weeks also have a drifted feature with D above 0.2, 0.3 and 0.4
    (MONITOR_DRIFT_MIN_STATISTIC).

The shared history has gaps of weeks: only weeks with rows are counted. Prints figures; no test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from adapters.features import PandasFeatureCalculator, ParquetFeatureStore
from adapters.features.windows import ParquetFeatureWindows
from adapters.files.ohlcv_csv import OhlcvCsvReader
from adapters.scipy_stats import ScipyKsPValue
from application.features.compute import FeaturePipeline, PairPlan
from application.features.ports import PairFeatures
from application.models.drift_check import DriftCheck, DriftWindow
from application.models.monitor_data import CLOCK_COLUMNS
from domain.features.definitions import FeatureSpec
from domain.features.labels import LabelSpec
from domain.market.candles import MINUTE_MS, Pair, datetime_to_ms, ms_to_datetime
from domain.market.quality import Ohlcv
from domain.models.cards import ModelCard
from domain.models.drift import FeatureTest, ks_statistic
from domain.models.triggers import DriftTrigger, TriggerResult

TRAIN = (datetime(2024, 1, 1, tzinfo=UTC), datetime(2025, 1, 1, tzinfo=UTC))
END = datetime(2025, 9, 1, tzinfo=UTC)
HOUR = 60 * MINUTE_MS


def build(pair: str, folder: Path) -> tuple[PairFeatures, dict[str, object]]:
    shared = Path(os.environ.get("TRADEAI_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    path = shared / "binance-spot-1m" / f"{pair}.csv.gz"
    if not path.exists():
        sys.exit(f"no candles at {path}")
    c = OhlcvCsvReader().read(str(path), Pair(pair)).candles
    keep = (c.open_time_ms >= datetime_to_ms(TRAIN[0] - timedelta(days=31))) & (c.open_time_ms < datetime_to_ms(END))
    c = Ohlcv(*(getattr(c, n)[keep] for n in ("open_time_ms", "open", "high", "low", "close", "volume")))
    plan = PairPlan(FeatureSpec(), LabelSpec(), datetime_to_ms(TRAIN[0]), datetime_to_ms(TRAIN[1]),
                    datetime_to_ms(TRAIN[0]), datetime_to_ms(END))
    built = FeaturePipeline(PandasFeatureCalculator()).build(Pair(pair), c, plan)
    rows = built.table
    manifest: dict[str, object] = {
        "features": list(rows.features), "labels": list(rows.labels), "pairs": {pair: {
            "last_open_time": ms_to_datetime(int(rows.open_time_ms[-1])).isoformat(),
            "normalizer": built.fitted.normalizer.as_dict(), "regime_thresholds": built.fitted.regime.as_dict()}}}
    ParquetFeatureStore(folder).write("bench", [rows], manifest)
    return rows, manifest


def card(pair: str, features: tuple[str, ...]) -> ModelCard:
    return ModelCard(kind="lstm", target="direction", pairs=(pair,), horizon_minutes=15, window=30, features=features,
                     feature_set="bench", feature_set_hash="-", normalizer_hash="-", params={}, seed=0,
                     split={"train": [TRAIN[0].isoformat(), TRAIN[1].isoformat()]}, metrics={}, leakage_passed=None,
                     code_version="bench", created_at=TRAIN[1])


def out_of_sample(pair: str, folder: Path, features: tuple[str, ...]) -> tuple[list[TriggerResult], list[float]]:
    check = DriftCheck(ParquetFeatureWindows(folder), ScipyKsPValue(), DriftWindow(7, 60, 50))
    results, seconds = [], []
    now = TRAIN[1] + timedelta(days=7)
    while now <= END:
        start = time.perf_counter()
        data = check(card(pair, features), "bench", now)
        seconds.append(time.perf_counter() - start)
        if data.tests:
            results.append(DriftTrigger(0.01).evaluate(data.tests, data.figures))
        now += timedelta(days=7)
    return results, seconds


def in_sample(pair: str, rows: PairFeatures) -> list[TriggerResult]:
    t = rows.open_time_ms
    grid = t % HOUR == 0
    reference = grid & (t >= datetime_to_ms(TRAIN[0])) & (t < datetime_to_ms(TRAIN[1]))
    ks, results = ScipyKsPValue(), []
    now = TRAIN[0] + timedelta(days=7)
    while now <= TRAIN[1]:
        week = grid & (t >= datetime_to_ms(now - timedelta(days=7))) & (t < datetime_to_ms(now))
        tests = []
        for name, values in rows.features.items():
            x, y = values[week].astype(float), values[reference].astype(float)
            x, y = x[np.isfinite(x)], y[np.isfinite(y)]
            if name not in CLOCK_COLUMNS and min(len(x), len(y)) >= 50:
                d = ks_statistic(x, y)
                tests.append(FeatureTest(pair, name, d, ks.p_value(d, len(x), len(y)), len(x), len(y)))
        if tests:
            results.append(DriftTrigger(0.01).evaluate(tests, {}))
        now += timedelta(days=7)
    return results


def report(label: str, results: list[TriggerResult]) -> None:
    fired = sum(r.fired for r in results)
    largest = [r.figures["max_statistic"] for r in results]
    floors = ", ".join(f"D>{f}: {sum(any(d['statistic'] > f for d in r.figures['drifted']) for r in results)}"
                       for f in (0.2, 0.3, 0.4))
    counts = Counter(d["feature"] for r in results for d in r.figures["drifted"])
    print(f"{label}: fired {fired} of {len(results)} weeks ({floors}); median largest D {np.median(largest):.3f}; "
          f"most drifted {counts.most_common(4)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pair", default="BTCUSDT")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        rows, _ = build(args.pair, Path(tmp))
        print(f"{args.pair}: {len(rows):,} feature rows built in {time.perf_counter() - start:.1f} s")
        results, seconds = out_of_sample(args.pair, Path(tmp), tuple(rows.features))
        report("(a) weeks of 2025 vs training 2024", results)
        report("(b) weeks of 2024 vs the 2024 window", in_sample(args.pair, rows))
        print(f"one drift check from parquet: median {np.median(seconds) * 1000:.0f} ms, "
              f"first {seconds[0] * 1000:.0f} ms ({len(seconds)} checks)")


if __name__ == "__main__":
    main()
