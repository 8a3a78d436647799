"""The figures an evaluation reports, each with the number of trades it stands on.

A figure on fewer than ``MIN_TRADES`` trades is flagged ``few_trades``: a win rate over 12 trades
says little, and a reader must see that before the number. A figure that cannot be computed (no
trades, a division by zero) is ``None`` with a ``note`` saying why, never NaN or infinity, so
every figure can go into JSON as it is.
"""

from __future__ import annotations

import math
from typing import Any

import attrs

MIN_TRADES = 30
# the two-sided 95 % normal quantile
Z95 = 1.959963984540054


def finite_or_none(value: float | None) -> float | None:
    """``value`` as a float, or None where it is missing or not finite (JSON has no NaN)."""
    if value is None:
        return None
    number = float(value)
    return number if math.isfinite(number) else None


@attrs.frozen
class Stat:
    """A number and the trades it stands on; ``value`` None with ``note`` when undefined."""

    value: float | None = attrs.field(converter=finite_or_none)
    n: int
    note: str | None = None

    def __attrs_post_init__(self) -> None:
        if self.n < 0:
            raise ValueError(f"a figure stands on >= 0 trades, got {self.n}")

    @property
    def few_trades(self) -> bool:
        return self.n < MIN_TRADES

    def as_dict(self) -> dict[str, Any]:
        return {"value": self.value, "n": self.n, "few_trades": self.few_trades, "note": self.note}


@attrs.frozen
class Rate:
    """A share of successes with its Wilson 95 % interval, which stays inside [0, 1] and is honest
    on few trades (the normal interval is not: 3 wins out of 3 gives [1, 1])."""

    successes: int
    n: int
    empty_note: str = "no trades"  # why there is no value when n is 0

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.successes <= self.n:
            raise ValueError(f"successes must be within [0, n], got {self.successes} of {self.n}")

    @property
    def value(self) -> float | None:
        return self.successes / self.n if self.n else None

    @property
    def interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.successes, self.n)

    @property
    def few_trades(self) -> bool:
        return self.n < MIN_TRADES

    def as_dict(self) -> dict[str, Any]:
        low, high = self.interval or (None, None)
        return {"value": self.value, "successes": self.successes, "n": self.n, "wilson_low": low,
                "wilson_high": high, "few_trades": self.few_trades,
                "note": None if self.n else self.empty_note}


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """Wilson score interval of ``successes`` out of ``n``; None when ``n`` is 0."""
    if n <= 0:
        return None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    # the interval always holds p; rounding can leave 0 of n a hair above 0 and n of n a hair below 1
    return min(p, max(0.0, centre - half)), max(p, min(1.0, centre + half))
