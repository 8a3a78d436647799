"""Timestamps of candle files: which unit a file uses, and where minutes are missing.

Binance spot archives switched from milliseconds to microseconds on 2025-01-01, and other tools
write seconds, so the unit is detected per file from the magnitude of its values.
"""

from __future__ import annotations

from enum import Enum

import attrs
import numpy as np

from domain.market.candles import MINUTE_MS, IntArray

# plausible open times in milliseconds: 2009-01-01 .. 2100-01-01
MIN_PLAUSIBLE_MS = 1_230_768_000_000
MAX_PLAUSIBLE_MS = 4_102_444_800_000


class TimeUnit(Enum):
    SECONDS = ("s", 1_000, 0)
    MILLISECONDS = ("ms", 1, 0)
    MICROSECONDS = ("us", 0, 1_000)
    NANOSECONDS = ("ns", 0, 1_000_000)

    def __init__(self, code: str, multiply: int, divide: int) -> None:
        self.code = code
        self.multiply = multiply
        self.divide = divide


def unit_of(value: float) -> TimeUnit:
    """The unit a single epoch value most plausibly uses (dates 2001..2286 in every unit)."""
    magnitude = abs(value)
    if magnitude < 1e11:
        return TimeUnit.SECONDS
    if magnitude < 1e14:
        return TimeUnit.MILLISECONDS
    if magnitude < 1e17:
        return TimeUnit.MICROSECONDS
    return TimeUnit.NANOSECONDS


def detect_time_unit(values: IntArray) -> TimeUnit:
    """The unit of a file's timestamps, from their median (robust to a few stray rows)."""
    if len(values) == 0:
        return TimeUnit.MILLISECONDS
    return unit_of(float(np.median(values)))


def to_epoch_ms(values: IntArray, unit: TimeUnit) -> IntArray:
    values = np.asarray(values, dtype=np.int64)
    if unit.multiply:
        return values * unit.multiply
    return values // unit.divide


def implausible_ms(open_time_ms: IntArray) -> np.ndarray:
    """Rows whose open time cannot be milliseconds of this era: a unit mistake in that row."""
    return (open_time_ms < MIN_PLAUSIBLE_MS) | (open_time_ms > MAX_PLAUSIBLE_MS)


@attrs.frozen
class Gap:
    """Missing minutes ``first_missing_ms .. last_missing_ms`` (inclusive open times)."""

    first_missing_ms: int
    last_missing_ms: int

    @property
    def minutes(self) -> int:
        return (self.last_missing_ms - self.first_missing_ms) // MINUTE_MS + 1


def find_gaps(open_time_ms: IntArray) -> list[Gap]:
    """Runs of missing minutes between consecutive open times (sorted, unique, on the minute grid)."""
    if len(open_time_ms) < 2:
        return []
    steps = np.diff(open_time_ms)
    at = np.flatnonzero(steps > MINUTE_MS)
    before = open_time_ms[at]
    after = open_time_ms[at + 1]
    return [Gap(int(b) + MINUTE_MS, int(a) - MINUTE_MS) for b, a in zip(before, after, strict=True)]


def missing_minutes(open_time_ms: IntArray) -> int:
    if len(open_time_ms) < 2:
        return 0
    steps = np.diff(open_time_ms)
    return int(np.sum(np.maximum(steps // MINUTE_MS - 1, 0)))
