"""A trained model's card: what it was trained on, how, and what it measured.

Every model file (``<name>.pt``) has its card beside it (``<name>.json``). The card is what the
registry, the promotion gates, the serving adapter and the drift monitor read: the serving
adapter refuses to feed a model features whose names or normalizer differ from the card's, the
gates read the card's validation metrics (never the test period's, which is reported only), and
the name is derived from the card's hash and parameters, so two different trainings never share
a file name.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import attrs

from domain.market.candles import require_utc

CARD_FORMAT = 1
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,127}$")
# parameters that name a model file (the rest are on its card): lstm_btc_a3f2d1_epochs10_hidden64
NAMED_PARAMS = ("epochs", "hidden")


# metric keys on a card, shared by training (which writes them) and the gates and monitor (which read them)
VALIDATION, TEST = "validation", "test"  # card.metrics periods; gates read VALIDATION only
CALIBRATION_ERROR = "calibration_error"  # tier calibration MAE after the fitted calibration, share in [0, 1]


def accuracy_key(pair: str) -> str:
    """The direction accuracy of ``pair`` (a share in [0, 1]) in a period's metrics."""
    return f"accuracy_{pair}"


def samples_key(pair: str) -> str:
    """How many samples of ``pair`` a period's accuracy stands on."""
    return f"samples_{pair}"


class ModelKind(StrEnum):
    LSTM = "lstm"  # 15-minute direction, one model per coin
    TRANSFORMER = "transformer"  # trend strength, one model across coins with a pair embedding


class Target(StrEnum):
    DIRECTION = "direction"  # P(close[t+H] > close[t]), from label_direction
    TREND = "trend"  # signed trend strength over the horizon, from label_efficiency


def _utc(value: datetime) -> datetime:
    return require_utc(value, "created_at")


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


def _metrics(value: Mapping[str, Mapping[str, float]]) -> Mapping[str, Mapping[str, float]]:
    """Per period ("validation", "test", ...), finite figures by name; None-free so JSON stays strict."""
    out: dict[str, Mapping[str, float]] = {}
    for period, figures in dict(value).items():
        clean: dict[str, float] = {}
        for name, number in dict(figures).items():
            as_float = float(number)
            if not math.isfinite(as_float):
                raise ValueError(f"metric {period}.{name} must be finite, got {number!r}")
            clean[str(name)] = as_float
        out[str(period)] = MappingProxyType(clean)
    return MappingProxyType(out)


@attrs.frozen
class ModelCard:
    kind: ModelKind = attrs.field(converter=ModelKind)
    target: Target = attrs.field(converter=Target)
    pairs: tuple[str, ...] = attrs.field(converter=tuple)
    horizon_minutes: int
    window: int  # input bars per sample
    features: tuple[str, ...] = attrs.field(converter=tuple)  # input columns, in order
    feature_set: str  # the feature store's set name
    feature_set_hash: str  # its content hash (application.features.manifest.content_hash)
    normalizer_hash: str  # of the fitted per-pair normalizers the inputs went through
    params: Mapping[str, Any] = attrs.field(converter=_frozen, hash=False)  # hidden, layers, epochs, lr, ...
    seed: int
    split: Mapping[str, Any] = attrs.field(converter=_frozen, hash=False)  # period name -> [start, end) ISO
    metrics: Mapping[str, Mapping[str, float]] = attrs.field(converter=_metrics, hash=False)
    leakage_passed: bool | None  # the feature set's leakage check; None when it was not run
    code_version: str
    created_at: datetime = attrs.field(converter=_utc)
    weights_sha256: str = ""  # of the .pt file, filled when it is written
    # the calibration map fitted on validation (domain.signals.confidence: "method" none|platt|isotonic,
    # its parameters, the calibration error before and after); None before it was fitted
    calibration: Mapping[str, Any] | None = attrs.field(default=None, hash=False)

    def __attrs_post_init__(self) -> None:
        if not self.pairs:
            raise ValueError("a model card needs at least one pair")
        if self.horizon_minutes < 1 or self.window < 1:
            raise ValueError(f"horizon and window must be >= 1, got {self.horizon_minutes}, {self.window}")
        if not self.features:
            raise ValueError("a model card needs its input feature names")
        if self.kind is ModelKind.LSTM and len(self.pairs) != 1:
            raise ValueError(f"an LSTM model is trained per coin, got pairs {list(self.pairs)}")

    @property
    def name(self) -> str:
        """``<kind>_<coins>_<hash6>_<param><value>...``, e.g. lstm_btc_a3f2d1_epochs10_hidden64."""
        coins = "-".join(_coin(p) for p in self.pairs)
        named = "".join(f"_{key}{_compact(self.params[key])}" for key in NAMED_PARAMS if key in self.params)
        name = f"{self.kind.value}_{coins}_{self.identity()[:6]}{named}"
        if not _NAME.match(name):
            raise ValueError(f"model name {name!r} is not a safe file name")
        return name

    def identity(self) -> str:
        """Hash of everything that decides the weights (not the metrics, the time or the file hash)."""
        decided = {k: v for k, v in self.as_dict().items()
                   if k not in ("metrics", "created_at", "weights_sha256", "code_version", "leakage_passed",
                                "calibration")}
        return hashlib.sha256(json.dumps(decided, sort_keys=True, default=str).encode()).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": CARD_FORMAT, "kind": self.kind.value, "target": self.target.value, "pairs": list(self.pairs),
            "horizon_minutes": self.horizon_minutes, "window": self.window, "features": list(self.features),
            "feature_set": self.feature_set, "feature_set_hash": self.feature_set_hash,
            "normalizer_hash": self.normalizer_hash, "params": dict(self.params), "seed": self.seed,
            "split": dict(self.split), "metrics": {k: dict(v) for k, v in self.metrics.items()},
            "leakage_passed": self.leakage_passed, "code_version": self.code_version,
            "created_at": self.created_at.isoformat(), "weights_sha256": self.weights_sha256,
            "calibration": None if self.calibration is None else dict(self.calibration),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelCard:
        """Raises ValueError naming the field that is missing or wrong."""
        if data.get("format") != CARD_FORMAT:
            raise ValueError(f"model card format {data.get('format')!r} is not {CARD_FORMAT}")
        fields = {a.name for a in attrs.fields(cls)}
        missing = sorted(fields - set(data) - {"weights_sha256", "calibration"})
        if missing:
            raise ValueError(f"model card lacks {', '.join(missing)}")
        values = {k: data[k] for k in fields if k in data}
        values["created_at"] = datetime.fromisoformat(str(data["created_at"]))
        try:
            return cls(**values)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"model card: {exc}") from exc


def _coin(symbol: str) -> str:
    for quote in ("USDT", "USDC", "FDUSD", "BUSD", "USD", "EUR"):
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return symbol[: -len(quote)].lower()
    return symbol.lower()


def _compact(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
