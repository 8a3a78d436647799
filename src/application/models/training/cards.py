"""What a training run writes about itself: the model card's identity fields and the run log's row."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from domain.features.splits import Split
from domain.models.cards import TEST, VALIDATION, ModelCard, ModelKind, Target, accuracy_key

TARGETS = {ModelKind.LSTM: Target.DIRECTION, ModelKind.TRANSFORMER: Target.TREND}


def normalizer_hash(manifest: Mapping[str, Any], pairs: Sequence[str]) -> str:
    """sha256 of the fitted normalizers of ``pairs`` (canonical JSON, in the card's pair order): the
    serving side recomputes it from the set it is fed and refuses a mismatch."""
    fitted = [[pair, manifest["pairs"][pair]["normalizer"]] for pair in pairs]
    payload = json.dumps(fitted, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()
    return "sha256:" + hashlib.sha256(payload).hexdigest()


def split_bounds(split: Split) -> dict[str, list[str]]:
    return {p.name: [p.start.isoformat(), p.end.isoformat()] for p in split.periods}


def draft_card(kind: ModelKind, pairs: Sequence[str], manifest: Mapping[str, Any], feature_set: str,
               window: int, params: Mapping[str, Any], seed: int, split: Split, code_version: str,
               created_at: datetime) -> ModelCard:
    """The card before training: everything that decides the weights, so its name is known."""
    # attrs' mypy plugin cannot solve the card's generic ``converter=tuple``, hence the ignore
    return ModelCard(kind=kind, target=TARGETS[kind], pairs=tuple(pairs),  # type: ignore[arg-type]
                     horizon_minutes=int(manifest["label_spec"]["horizon"]), window=window,
                     features=tuple(manifest["features"]), feature_set=feature_set,
                     feature_set_hash=str(manifest["content_hash"]), normalizer_hash=normalizer_hash(manifest, pairs),
                     params=dict(params), seed=seed, split=split_bounds(split), metrics={}, leakage_passed=None,
                     code_version=code_version, created_at=created_at)


RUN_COLUMNS = ("run_at", "name", "kind", "pairs", "feature_set", "feature_set_hash", "code_version", "seed",
               "device", "best_epoch", "epochs_run", "duration_s", "validation_accuracy", "test_accuracy",
               "validation_accuracy_by_pair", "test_accuracy_by_pair", "calibration", "leakage_passed", "params",
               "metrics")


def run_row(card: ModelCard, device: str, best_epoch: int, epochs_run: int, seconds: float) -> dict[str, Any]:
    """One row of the run log (``RUN_COLUMNS``); nested values as compact JSON."""
    def by_pair(period: str) -> str:
        figures = card.metrics.get(period, {})
        return _json({p: figures.get(accuracy_key(p)) for p in card.pairs})

    return {
        "run_at": card.created_at.isoformat(), "name": card.name, "kind": card.kind.value,
        "pairs": ",".join(card.pairs), "feature_set": card.feature_set, "feature_set_hash": card.feature_set_hash,
        "code_version": card.code_version, "seed": card.seed, "device": device, "best_epoch": best_epoch,
        "epochs_run": epochs_run, "duration_s": round(seconds, 3),
        "validation_accuracy": card.metrics.get(VALIDATION, {}).get("accuracy"),
        "test_accuracy": card.metrics.get(TEST, {}).get("accuracy"),
        "validation_accuracy_by_pair": by_pair(VALIDATION), "test_accuracy_by_pair": by_pair(TEST),
        "calibration": "" if card.calibration is None else str(card.calibration.get("method", "")),
        "leakage_passed": "" if card.leakage_passed is None else card.leakage_passed,
        "params": _json(dict(card.params)), "metrics": _json({k: dict(v) for k, v in card.metrics.items()}),
    }


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
