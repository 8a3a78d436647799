"""Values the persistence ports exchange: a trade's outcome and aggregated performance."""

from __future__ import annotations

import math
from datetime import datetime
from enum import Enum

import attrs

from domain.market.candles import require_utc


class Result(Enum):
    WIN = "W"
    LOSS = "L"


def _finite(value: float | None) -> float | None:
    if value is None:
        return None
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"outcome values must be finite, got {value!r}")
    return number


def _exit_time(value: datetime) -> datetime:
    return require_utc(value, "exit_time")


@attrs.frozen
class TradeOutcome:
    """How a recorded signal ended. Costs are optional: a dry-run signal has no fills."""

    signal_id: str
    result: Result
    exit_time: datetime = attrs.field(converter=_exit_time)
    exit_price: float = attrs.field(converter=float)
    r_realized: float = attrs.field(converter=float)
    time_to_tp_sl_seconds: float | None = attrs.field(default=None, converter=_finite)
    slippage_bps: float | None = attrs.field(default=None, converter=_finite)
    slippage_expected_bps: float | None = attrs.field(default=None, converter=_finite)
    spread_bps: float | None = attrs.field(default=None, converter=_finite)
    latency_ms: float | None = attrs.field(default=None, converter=_finite)

    def __attrs_post_init__(self) -> None:
        if not self.signal_id:
            raise ValueError("outcome signal_id must not be empty")
        if not math.isfinite(self.exit_price) or self.exit_price <= 0:
            raise ValueError(f"{self.signal_id}: exit_price must be a finite price > 0, got {self.exit_price}")
        if not math.isfinite(self.r_realized):
            raise ValueError(f"{self.signal_id}: r_realized must be finite, got {self.r_realized}")
        for name in ("time_to_tp_sl_seconds", "latency_ms"):
            value = getattr(self, name)
            if value is not None and value < 0:
                raise ValueError(f"{self.signal_id}: {name} must be >= 0, got {value}")


@attrs.frozen
class Performance:
    """Closed trades of one group: how many, how many won, and the sum of realised R."""

    count: int = 0
    wins: int = 0
    r_total: float = 0.0

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.wins <= self.count:
            raise ValueError(f"performance needs 0 <= wins <= count, got wins={self.wins} count={self.count}")

    @property
    def win_rate(self) -> float | None:
        return self.wins / self.count if self.count else None

    @property
    def avg_r(self) -> float | None:
        return self.r_total / self.count if self.count else None

    def __add__(self, other: Performance) -> Performance:
        return Performance(self.count + other.count, self.wins + other.wins, self.r_total + other.r_total)

    def with_trade(self, won: bool, r_realized: float) -> Performance:
        return Performance(self.count + 1, self.wins + int(won), self.r_total + r_realized)


class UnknownSignal(LookupError):
    """An outcome names a signal_id the risk book does not hold."""


class OutcomeConflict(ValueError):
    """A closed signal was given a different outcome; outcomes are final."""
