"""Hand-made model cards and dummy weight files for the registry's tests (no torch: the registry
only hashes the bytes)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from application.evaluation.evaluate import ChallengeEvidence
from domain.models.cards import CALIBRATION_ERROR, TEST, VALIDATION, ModelCard, accuracy_key, samples_key

PAIR = "BTCUSDT"
T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
TIME_SPLIT = {"train": ["2020-01-01T00:00:00+00:00", "2023-12-31T23:45:00+00:00"],
              "validation": ["2024-01-01T00:00:00+00:00", "2024-12-31T23:45:00+00:00"],
              "test": ["2025-01-01T00:00:00+00:00", "2025-03-01T00:00:00+00:00"]}
GOOD_EVIDENCE = ChallengeEvidence(pass_rate=0.75, attempts=40, source="test double: 40 simulated challenges")


def card(seed: int = 1, *, accuracy: float | None = 0.71, calibration: float | None = 0.03,
         leakage: bool | None = True, pairs: tuple[str, ...] = (PAIR,), kind: str = "lstm",
         split: dict[str, Any] | None = None, test_accuracy: float = 0.52) -> ModelCard:
    """A card whose validation figures are as given (None leaves the figure out)."""
    validation: dict[str, float] = {}
    for pair in pairs:
        if accuracy is not None:
            validation[accuracy_key(pair)] = accuracy
        validation[samples_key(pair)] = 5000.0
    if calibration is not None:
        validation[CALIBRATION_ERROR] = calibration
    return ModelCard(kind=kind, target="direction" if kind == "lstm" else "trend", pairs=pairs, horizon_minutes=15,
                     window=30, features=("ret_15", "rv_60"), feature_set="fs1", feature_set_hash="sha256:fs",
                     normalizer_hash="sha256:norm", params={"epochs": 2, "hidden": 8}, seed=seed,
                     split=TIME_SPLIT if split is None else split,
                     metrics={VALIDATION: validation, TEST: {accuracy_key(p): test_accuracy for p in pairs}},
                     leakage_passed=leakage, code_version="test", created_at=T0)


def card_bytes(value: ModelCard) -> bytes:
    return (json.dumps(value.as_dict(), indent=2, sort_keys=True) + "\n").encode()


def write_model(folder: Path, value: ModelCard, weights: bytes | None = None) -> Path:
    """``<name>.pt`` holding ``weights`` and ``<name>.json`` the card naming their sha256."""
    weights = weights if weights is not None else f"weights of seed {value.seed}".encode()
    folder.mkdir(parents=True, exist_ok=True)
    written = attrs.evolve(value, weights_sha256=hashlib.sha256(weights).hexdigest())
    (folder / f"{value.name}.pt").write_bytes(weights)
    (folder / f"{value.name}.json").write_bytes(card_bytes(written))
    return folder / f"{value.name}.pt"
