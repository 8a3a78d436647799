"""A hand-made model card and feature set for the monitor's tests: iid features per minute, a
clock column and the volatility regime, over a training window and the recent days after it."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from application.features.ports import PairFeatures
from domain.features.regimes import RegimeThresholds
from domain.market.candles import MINUTE_MS, Pair, datetime_to_ms
from domain.models.cards import ModelCard

PAIR = "BTCUSDT"
TRAIN_START = datetime(2024, 1, 1, tzinfo=UTC)
TRAIN_END = datetime(2024, 3, 1, tzinfo=UTC)
DATA_END = datetime(2024, 3, 8, tzinfo=UTC)  # one minute past the last row
NOW = DATA_END
MARKET = ("ret_15", "rv_60", "volume_z_60")
FEATURES = (*MARKET, "hour_sin", "vol_regime")
LABELS = ("label_direction", "label_valid")
THRESHOLDS = RegimeThresholds("rv_60", -0.43, 0.43)


def pair_rows(seed: int = 7, shift: Mapping[str, float] | None = None, shift_from: datetime = TRAIN_END,
              start: datetime = TRAIN_START, end: datetime = DATA_END, pair: str = PAIR) -> PairFeatures:
    """One row per minute; ``shift`` adds a constant to features from ``shift_from`` on."""
    rng = np.random.default_rng(seed)
    t = np.arange(datetime_to_ms(start), datetime_to_ms(end), MINUTE_MS, dtype=np.int64)
    features: dict[str, np.ndarray] = {name: rng.standard_normal(len(t)) for name in MARKET}
    for name, delta in (shift or {}).items():
        features[name][t >= datetime_to_ms(shift_from)] += delta
    features["hour_sin"] = np.sin(2 * np.pi * (t % (1440 * MINUTE_MS)) / (1440 * MINUTE_MS))
    features["vol_regime"] = THRESHOLDS.classify(features["rv_60"])
    valid = np.ones(len(t), dtype=bool)
    valid[-15:] = False  # the horizon runs past the data
    direction = np.where(rng.random(len(t)) < 0.5, -1, 1).astype(np.int8)
    direction[~valid] = 0
    return PairFeatures(Pair(pair), t, np.zeros(len(t), dtype=np.int32), features,
                        {"label_direction": direction, "label_valid": valid})


def manifest(rows: PairFeatures, name: str = "fs1", mean: float = 0.0, std: float = 1.0) -> dict[str, Any]:
    """A manifest as the feature store writes it; the normalizer says the rows were scaled with ``mean``/``std``."""
    first, last = int(rows.open_time_ms[0]), int(rows.open_time_ms[-1])
    return {
        "format": 1, "name": name, "features": list(FEATURES), "labels": list(LABELS), "normalized": list(MARKET),
        "pairs": {rows.pair.symbol: {
            "rows": len(rows), "first_open_time": _iso(first), "last_open_time": _iso(last),
            "normalizer": {c: {"mean": mean, "std": std} for c in MARKET},
            "regime_thresholds": THRESHOLDS.as_dict()}},
        "content_hash": "test", "built_at": TRAIN_START.isoformat(),
    }


def card(feature_set: str = "fs1", created_at: datetime = TRAIN_END + timedelta(days=2),
         calibration_error: float | None = 0.03, pairs: tuple[str, ...] = (PAIR,)) -> ModelCard:
    metrics: dict[str, dict[str, float]] = {"validation": {f"accuracy_{PAIR}": 0.61}}
    if calibration_error is not None:
        metrics["validation"]["calibration_error"] = calibration_error
    return ModelCard(
        kind="lstm", target="direction", pairs=pairs, horizon_minutes=15, window=30, features=FEATURES,
        feature_set=feature_set, feature_set_hash="fshash", normalizer_hash="nhash",
        params={"epochs": 2, "hidden": 8}, seed=1,
        split={"train": [TRAIN_START.isoformat(), TRAIN_END.isoformat()],
               "validation": [TRAIN_END.isoformat(), DATA_END.isoformat()]},
        metrics=metrics, leakage_passed=True, code_version="test", created_at=created_at)


def _iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat()
