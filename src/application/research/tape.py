"""The market an agent trades: decision bars taken from a stored feature set every ``interval``
minutes, with the candles' prices the step needs.

What the agent observes at a decision bar is that bar's stored feature row (the feature store's
own leakage check proves each row reads nothing after its bar). The prices after the bar (the
lows and highs until the next decision bar, its close) only settle the step; they never enter an
observation. A step needs the next decision bar in the same contiguous run of minutes, so a gap
in the candles ends a run and no position is carried across it.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from application.features.ports import PairFeatures
from domain.market.candles import MINUTE_MS, FloatArray, IntArray, Pair
from domain.market.quality import Ohlcv


class TapeError(ValueError):
    """The feature set and the candles cannot make a tape; the message names the pair and what is missing."""


@attrs.frozen(eq=False)
class Tape:
    """Row i is decision bar i. ``run`` numbers the contiguous runs; ``low``/``high`` are the
    extremes of the minutes after bar i up to and including bar i+1 and ``next_close`` bar i+1's
    close, NaN where bar i is the last of its run."""

    pair: Pair
    interval_minutes: int
    feature_names: tuple[str, ...]
    open_time_ms: IntArray
    features: npt.NDArray[np.float32]
    close: FloatArray
    low: FloatArray
    high: FloatArray
    next_close: FloatArray
    run: IntArray

    def __len__(self) -> int:
        return len(self.open_time_ms)

    def can_step(self, i: int) -> bool:
        return i + 1 < len(self) and self.run[i + 1] == self.run[i]

    def runs(self) -> list[tuple[int, int]]:
        """(first, last) decision-bar index of every run with at least one step."""
        edges = np.flatnonzero(np.diff(self.run)) + 1
        bounds = zip(np.r_[0, edges], np.r_[edges, len(self)], strict=True)
        return [(int(a), int(b) - 1) for a, b in bounds if b - a >= 2]

    def between(self, start_ms: int | None, end_ms: int | None) -> Tape:
        """The bars with ``start_ms <= open time < end_ms``; a run cut at ``end_ms`` ends there."""
        t = self.open_time_ms
        keep = np.ones(len(t), dtype=bool) if start_ms is None else t >= start_ms
        if end_ms is not None:
            keep &= t < end_ms
        steps = np.r_[self.run[1:] == self.run[:-1], False] & np.r_[keep[1:], False]
        index = np.flatnonzero(keep)
        nan = np.where(steps, 1.0, np.nan)[index]
        return attrs.evolve(self, open_time_ms=t[index], features=self.features[index], close=self.close[index],
                            low=self.low[index] * nan, high=self.high[index] * nan,
                            next_close=self.next_close[index] * nan,
                            run=_runs(steps[index][:-1]) if len(index) else index)


def _runs(steps: npt.NDArray[np.bool_]) -> IntArray:
    """Run numbers of bars from whether each bar steps into the next."""
    runs: IntArray = np.r_[0, np.cumsum(~steps)].astype(np.int64)
    return runs


def build_tape(rows: PairFeatures, candles: Ohlcv, interval_minutes: int) -> Tape:
    """Decision bars: the feature rows whose open time is a multiple of ``interval_minutes``."""
    if interval_minutes < 1:
        raise TapeError(f"interval_minutes must be >= 1, got {interval_minutes}")
    step_ms = interval_minutes * MINUTE_MS
    chosen = np.flatnonzero(rows.open_time_ms % step_ms == 0)
    if len(chosen) < 2:
        raise TapeError(f"{rows.pair}: fewer than two feature rows on the {interval_minutes}-minute grid")
    t = rows.open_time_ms[chosen]
    at = np.searchsorted(candles.open_time_ms, t)
    found = (at < len(candles)) & (candles.open_time_ms[np.minimum(at, len(candles) - 1)] == t)
    if not found.all():
        missing = int(t[~found][0])
        raise TapeError(f"{rows.pair}: no candle for the feature row at open time {missing} ms "
                        f"({int((~found).sum())} rows without a candle): load the candles the set was built from")
    names = tuple(rows.features)
    features = np.column_stack([np.asarray(rows.features[n], dtype=np.float64)[chosen] for n in names])
    steps = _steps(t, at, rows.segment[chosen], step_ms, interval_minutes)
    low, high, next_close = _paths(candles, at, steps)
    run = _runs(steps)
    return Tape(rows.pair, interval_minutes, names, t.astype(np.int64),
                np.nan_to_num(features, nan=0.0, posinf=0.0, neginf=0.0).astype(np.float32),
                candles.close[at].astype(np.float64), low, high, next_close, run)


def _steps(t: IntArray, at: IntArray, segment: npt.NDArray[np.int32], step_ms: int,
           interval: int) -> npt.NDArray[np.bool_]:
    """Whether bar i can step to bar i+1: the next grid time, the same feature segment, and every
    candle in between present."""
    return np.asarray((np.diff(t) == step_ms) & (np.diff(segment) == 0) & (np.diff(at) == interval))


def _paths(candles: Ohlcv, at: IntArray, steps: npt.NDArray[np.bool_]) -> tuple[FloatArray, FloatArray, FloatArray]:
    n = len(at)
    low, high, next_close = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    for i in np.flatnonzero(steps):
        lo, hi = at[i] + 1, at[i + 1] + 1
        low[i], high[i] = candles.low[lo:hi].min(), candles.high[lo:hi].max()
        next_close[i] = candles.close[at[i + 1]]
    return low, high, next_close


def tape_for(pair: Pair, feature_set: list[PairFeatures], candles: Ohlcv, interval_minutes: int) -> Tape:
    for rows in feature_set:
        if rows.pair == pair:
            return build_tape(rows, candles, interval_minutes)
    held = ", ".join(str(r.pair) for r in feature_set) or "none"
    raise TapeError(f"the feature set holds no rows for {pair} (it holds: {held})")
