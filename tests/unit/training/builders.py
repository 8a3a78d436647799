"""Hand-made feature sets for the training tests: a few features, segments with gaps between
them, labels with a weak signal (the next move follows the sign of ``ret_15`` a little more often
than not), over minutes from TRAIN_START."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from application.features.ports import PairFeatures
from application.models.training.periods import SplitOptions
from domain.market.candles import MINUTE_MS, Pair, datetime_to_ms
from tests.unit.features.fake_store import InMemoryFeatureStore

START = datetime(2021, 1, 1, tzinfo=UTC)
FEATURES = ("ret_1", "ret_15", "rv_15", "hour_sin")
DAYS = 6
# train the first 4 days, validate day 5, test day 6
SPLIT = SplitOptions(train_end=START + timedelta(days=4), validation_end=START + timedelta(days=5))


def pair_rows(pair: str = "BTCUSDT", seed: int = 0, days: int = DAYS, gap_every: int = 1000) -> PairFeatures:
    """One row per minute but for a 30-minute hole every ``gap_every`` minutes (a new segment each)."""
    rng = np.random.default_rng(seed)
    minutes = np.arange(days * 1440, dtype=np.int64)
    minutes = minutes[(minutes % gap_every) >= 30] if gap_every else minutes
    t = datetime_to_ms(START) + minutes * MINUTE_MS
    segment = np.cumsum(np.concatenate([[0], np.diff(t) != MINUTE_MS])).astype(np.int32)
    features = {name: rng.standard_normal(len(t)).astype(np.float32) for name in FEATURES}
    features["hour_sin"] = np.sin(2 * np.pi * (minutes % 1440) / 1440).astype(np.float32)
    drift = 0.15 * np.sign(features["ret_15"])
    up = rng.random(len(t)) < 0.5 + drift
    valid = np.ones(len(t), dtype=bool)
    ends = np.flatnonzero(np.diff(segment) != 0)
    for end in [*ends, len(t) - 1]:  # the horizon runs past each segment's end
        valid[max(0, end - 14): end + 1] = False
    direction = np.where(up, 1, -1).astype(np.int8)
    direction[~valid] = 0
    efficiency = np.where(valid, np.where(up, 1, -1) * rng.uniform(0, 1, len(t)), np.nan).astype(np.float32)
    labels = {"label_valid": valid, "label_direction": direction,
              "label_return": np.where(valid, np.where(up, 1e-3, -1e-3), np.nan).astype(np.float32),
              "label_trend_atr": efficiency.copy(), "label_efficiency": efficiency}
    return PairFeatures(Pair(pair), t, segment, features, labels)


def manifest(tables: list[PairFeatures], name: str = "fs", fit_days: int = 4) -> dict[str, Any]:
    fit_end = START + timedelta(days=fit_days) - timedelta(minutes=15)
    return {
        "format": 1, "name": name, "feature_code_version": "1", "features": list(FEATURES),
        "labels": list(tables[0].labels), "normalized": ["ret_1", "ret_15", "rv_15"],
        "label_spec": {"horizon": 15, "dead_zone_bps": 0.0},
        "feature_spec": {}, "range": {"start": None, "end": None},
        "fit_window": {"start": START.isoformat(), "end": fit_end.isoformat()},
        "pairs": {t.pair.symbol: {"rows": len(t), "normalizer": {c: {"mean": 0.0, "std": 1e-3}
                                                                 for c in ("ret_1", "ret_15", "rv_15")}}
                  for t in tables},
        "content_hash": f"sha256:{name}", "built_at": START.isoformat(), "code_version": "test",
    }


def store_with(*tables: PairFeatures, name: str = "fs", fit_days: int = 4) -> InMemoryFeatureStore:
    store = InMemoryFeatureStore()
    store.write(name, list(tables), manifest(list(tables), name, fit_days))
    return store
