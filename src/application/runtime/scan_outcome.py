"""What one pair's scan came to (``ScanOutcome`` with its ``Status``) and the controls a trader
can change while the runtime runs."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import attrs

from domain.market.candles import Pair
from domain.risk.emission import Alert
from domain.signals.signal import Prediction, Signal, TierThresholds


class Status(Enum):
    EMITTED = "emitted"
    NO_DATA = "no_data"
    STALE = "stale"
    NO_PREDICTION = "no_prediction"
    BELOW_TIER = "below_tier"
    UNCONFIRMED = "unconfirmed"  # above a threshold, waiting for the hysteresis to confirm it
    IN_POSITION = "in_position"  # the pair's last signal is still open
    DENIED = "denied"
    REJECTED = "rejected"  # allowed by the guard, refused by the broker (or the broker could not be asked)
    DUPLICATE = "duplicate"
    STORE_FAILED = "store_failed"


@attrs.frozen
class Controls:
    """What a trader can change while the runtime runs (kill switch, thresholds, rate limits)."""

    kill_switch: bool = False
    kill_switch_reason: str = ""
    thresholds: TierThresholds = attrs.Factory(TierThresholds)
    max_signals_per_hour: int = 10
    max_signals_per_hour_high: int = 5


@attrs.frozen
class ScanOutcome:
    pair: Pair
    status: Status
    at: datetime
    signal: Signal | None = None
    prediction: Prediction | None = None
    reasons: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    alerts: tuple[Alert, ...] = ()
    latency_ms: float = 0.0
    notify_error: str | None = None
    pattern_error: str | None = None  # the pattern store could not be read: the model's confidence was used
