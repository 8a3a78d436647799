"""Which days of trades each simulated challenge attempt meets.

Historical: attempt ``k`` starts at the Prague midnight beginning day ``k`` of the backtest period
and meets every trade opened from then on, as it happened. Monte Carlo: a day-block bootstrap;
each attempt is ``days`` Prague days drawn with replacement from the period's days (days without
trades included, so the trading frequency is kept), each bringing all the trades opened on it at
their times of day: a day's cluster of losses stays together. A trade that closes after a
midnight closes that many days after its block, on whichever block comes there.
"""

from __future__ import annotations

import attrs
import numpy as np

from domain.challenge.trades import IntArray, Timeline


@attrs.frozen(eq=False)
class Attempts:
    """Row ``a`` is one attempt: ``days[a, d]`` is the period day whose trades its day ``d``
    brings (-1: none, past the end of the period); ``span[a]`` the days it covers."""

    days: IntArray
    span: IntArray
    mode: str

    def __attrs_post_init__(self) -> None:
        if self.days.ndim != 2 or self.span.shape != (self.days.shape[0],):
            raise ValueError(f"days must be (attempts, days) and span (attempts,), got {self.days.shape} "
                             f"and {self.span.shape}")

    @property
    def count(self) -> int:
        return int(self.days.shape[0])

    def trades(self, line: Timeline, attempt: int) -> list[list[int]]:
        """The timeline indices of the trades attempt ``attempt`` opens, day by day."""
        bounds = line.day_bounds
        return [list(range(int(bounds[p]), int(bounds[p + 1]))) if p >= 0 else [] for p in self.days[attempt]]


def historical(line: Timeline, attempts: int, first: int = 0) -> Attempts:
    """Attempts starting on successive Prague days of the period from day ``first``, at most one
    per day; each runs to the end of the period."""
    starts = np.arange(first, min(first + attempts, line.days))
    if attempts < 1 or not len(starts):
        raise ValueError(f"no attempt starts on days {first} to {first + attempts - 1} of {line.days}")
    days = starts[:, None] + np.arange(line.days - int(starts[0]))[None, :]
    return Attempts(np.where(days < line.days, days, -1), line.days - starts, "historical")


def bootstrap(line: Timeline, attempts: int, days: int, rng: np.random.Generator) -> Attempts:
    """``attempts`` attempts of ``days`` days each, drawn with replacement from the period's days."""
    if attempts < 1 or days < 1:
        raise ValueError(f"need attempts >= 1 and days >= 1, got {attempts} and {days}")
    drawn = rng.integers(0, line.days, size=(attempts, days))
    return Attempts(drawn.astype(np.int64), np.full(attempts, days, dtype=np.int64), "monte-carlo")
