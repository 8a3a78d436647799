"""A model version put into service, with the metrics that justified it and, if it was pulled,
why."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType

import attrs

from domain.market.candles import require_utc


def _metrics(value: Mapping[str, float]) -> Mapping[str, float]:
    metrics: dict[str, float] = {}
    for key, number in dict(value).items():
        if not isinstance(key, str) or not key:
            raise ValueError(f"metric names must be non-empty strings, got {key!r}")
        as_float = float(number)
        if not math.isfinite(as_float):
            raise ValueError(f"metric {key!r} must be finite, got {number!r}")
        metrics[key] = as_float
    return MappingProxyType(metrics)


def _deployed_at(value: datetime) -> datetime:
    return require_utc(value, "deployed_at")


@attrs.frozen
class ModelDeployment:
    version: str
    model_path: str
    deployed_at: datetime = attrs.field(converter=_deployed_at)
    metrics: Mapping[str, float] = attrs.field(converter=_metrics, factory=dict, hash=False)
    rollback_reason: str | None = None

    def __attrs_post_init__(self) -> None:
        if not self.version or len(self.version) > 64:
            raise ValueError(f"deployment version must be 1-64 characters, got {self.version!r}")
        if not self.model_path:
            raise ValueError(f"deployment {self.version}: model_path must not be empty")

    @property
    def rolled_back(self) -> bool:
        return self.rollback_reason is not None
