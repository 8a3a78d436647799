"""Predictions, confidence tiers and trade signals."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import attrs

from domain.market.candles import Direction, Pair, require_utc
from domain.signals.patterns import PatternKey


class Mode(Enum):
    """Dry-run signals are recorded and announced but never executed."""

    DRYRUN = "dryrun"
    LIVE = "live"


class Tier(Enum):
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"

    @property
    def rank(self) -> int:
        return _RANKS[self.value]


_RANKS = {"LOW": 1, "MEDIUM": 2, "HIGH": 3}


def _probability(value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"probability must be within [0, 1], got {value}")
    return value


@attrs.frozen
class Prediction:
    """What a predictor says about the next horizon: a direction and its probability."""

    direction: Direction
    probability: float = attrs.field(converter=_probability)
    horizon_minutes: int = 15
    model: str = "baseline"


@attrs.frozen
class TierThresholds:
    """Minimum confidence for each tier; below ``low`` nothing is emitted."""

    high: float = 0.70
    medium: float = 0.60
    low: float = 0.55

    def __attrs_post_init__(self) -> None:
        if not 0.5 <= self.low <= self.medium <= self.high <= 1.0:
            raise ValueError(
                f"tier thresholds must satisfy 0.5 <= low <= medium <= high <= 1, got "
                f"low={self.low} medium={self.medium} high={self.high}"
            )

    def tier_for(self, confidence: float) -> Tier | None:
        if confidence >= self.high:
            return Tier.HIGH
        if confidence >= self.medium:
            return Tier.MEDIUM
        if confidence >= self.low:
            return Tier.LOW
        return None


def _utc_created_at(value: datetime) -> datetime:
    return require_utc(value, "created_at")


@attrs.frozen
class Signal:
    """A trade idea with its exits. Prices in quote currency; ``rr`` is reward over risk."""

    signal_id: str
    pair: Pair
    direction: Direction
    entry: float
    take_profit: float
    stop_loss: float
    confidence: float = attrs.field(converter=_probability)
    tier: Tier
    created_at: datetime = attrs.field(converter=_utc_created_at)
    mode: Mode
    model_version: str = "baseline"
    size: float | None = None  # lots the guard sized it at; None before the guard has seen it
    pattern: PatternKey | None = None  # the setup it was emitted under (domain.signals.pattern_key)

    def __attrs_post_init__(self) -> None:
        if self.size is not None and not self.size > 0:
            raise ValueError(f"{self.signal_id}: size must be > 0 lots, got {self.size}")
        if min(self.entry, self.take_profit, self.stop_loss) <= 0:
            raise ValueError(f"{self.signal_id}: entry, take-profit and stop-loss must be > 0")
        sign = self.direction.sign
        if sign * (self.take_profit - self.entry) <= 0:
            raise ValueError(f"{self.signal_id}: take-profit {self.take_profit} is on the wrong side of {self.entry}")
        if sign * (self.entry - self.stop_loss) <= 0:
            raise ValueError(f"{self.signal_id}: stop-loss {self.stop_loss} is on the wrong side of {self.entry}")

    @property
    def risk_per_unit(self) -> float:
        return abs(self.entry - self.stop_loss)

    @property
    def rr(self) -> float:
        return abs(self.take_profit - self.entry) / self.risk_per_unit

    @classmethod
    def from_prediction(
        cls,
        *,
        pair: Pair,
        prediction: Prediction,
        confidence: float,
        tier: Tier,
        entry: float,
        stop_distance: float,
        reward_risk: float,
        now: datetime,
        mode: Mode,
        pattern: PatternKey | None = None,
    ) -> Signal:
        """Place the stop ``stop_distance`` away from entry and the target ``reward_risk`` times further."""
        if stop_distance <= 0 or reward_risk <= 0:
            raise ValueError(f"stop_distance and reward_risk must be > 0, got {stop_distance}, {reward_risk}")
        sign = prediction.direction.sign
        now = require_utc(now, "now")
        return cls(
            signal_id=signal_id_for(pair, prediction.direction, now),
            pair=pair,
            direction=prediction.direction,
            entry=entry,
            take_profit=entry + sign * stop_distance * reward_risk,
            stop_loss=entry - sign * stop_distance,
            confidence=confidence,
            tier=tier,
            created_at=now,
            mode=mode,
            model_version=prediction.model,
            pattern=pattern,
        )


def signal_id_for(pair: Pair, direction: Direction, at: datetime) -> str:
    """Deterministic id: one pair is scanned at most once per minute, so a replay or a restart
    that re-derives the same signal gets the same id and records it once."""
    return f"{pair.symbol}-{require_utc(at, 'at'):%Y%m%dT%H%MZ}-{direction.value[0]}"
