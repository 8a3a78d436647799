"""The raw mode: one fixed rule on one series, without the guard, tiers or sizing: the engine's
exit loop alone, to compare its speed and trade count with other backtesters on a reference rule.

Entries are evaluated every ``every`` bars at the close; a trade exits at the first later candle
touching its stop or take-profit (both in one candle: the stop, as the paper exits read it), at
that level; commission is paid on both sides. One position at a time: signals while in a trade
are ignored.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from domain.market.candles import FloatArray

_SCAN = 256  # bars searched per pass for an exit: most trades end within it, few need a second pass


@attrs.frozen
class RawRule:
    horizon: int = 15
    threshold: float = 0.002
    every: int = 2
    stop: float = 0.004
    take_profit: float = 0.008
    commission: float = 0.000325


@attrs.frozen(eq=False)
class RawTrades:
    entry: npt.NDArray[np.int64]  # bar of the entry (at its close)
    exit: npt.NDArray[np.int64]  # bar whose range touched a level (-1: still open at the end)
    direction: npt.NDArray[np.int8]
    returns: FloatArray  # net of both commissions, as a fraction of the entry

    def __len__(self) -> int:
        return len(self.entry)


def momentum_entries(close: FloatArray, rule: RawRule) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
    """Long where the ``horizon``-bar return beats +threshold, short below -threshold, on every
    ``every``-th bar."""
    momentum = np.full(len(close), np.nan)
    momentum[rule.horizon:] = close[rule.horizon:] / close[:-rule.horizon] - 1.0
    on_grid = np.zeros(len(close), dtype=bool)
    on_grid[::rule.every] = True
    with np.errstate(invalid="ignore"):
        return on_grid & (momentum > rule.threshold), on_grid & (momentum < -rule.threshold)


def run_raw(high: FloatArray, low: FloatArray, close: FloatArray, long_entries: npt.NDArray[np.bool_],
            short_entries: npt.NDArray[np.bool_], rule: RawRule) -> RawTrades:
    """The loop visits entries only: from each one, the exit is found by an array search."""
    signals = np.flatnonzero(long_entries | short_entries)
    entries, exits, sides, returns = [], [], [], []
    n, k = len(close), 0
    while k < len(signals):
        i = int(signals[k])
        side = 1 if long_entries[i] else -1
        price = float(close[i])
        stop, target = price * (1 - side * rule.stop), price * (1 + side * rule.take_profit)
        j, stopped = _first_touch(high, low, i + 1, side, stop, target)
        entries.append(i)
        sides.append(side)
        exits.append(j)
        if j < 0:
            returns.append(side * (float(close[-1]) / price - 1) - rule.commission * 2)
            break
        level = stop if stopped else target
        returns.append(side * (level / price - 1) - rule.commission * (1 + level / price))
        k = int(np.searchsorted(signals, j, side="right"))  # the next signal after the exit bar
        if j >= n - 1:
            break
    return RawTrades(np.array(entries, dtype=np.int64), np.array(exits, dtype=np.int64),
                     np.array(sides, dtype=np.int8), np.array(returns, dtype=np.float64))


def _first_touch(high: FloatArray, low: FloatArray, start: int, side: int, stop: float,
                 target: float) -> tuple[int, bool]:
    """The first bar from ``start`` touching either level, and whether it counts as the stop."""
    n, lo, width = len(high), start, _SCAN
    while lo < n:
        hi = min(n, lo + width)
        h, l_ = high[lo:hi], low[lo:hi]
        stop_hit = l_ <= stop if side > 0 else h >= stop
        touched = np.flatnonzero(stop_hit | (h >= target if side > 0 else l_ <= target))
        if len(touched):
            first = int(touched[0])
            return lo + first, bool(stop_hit[first])
        lo, width = hi, width * 4  # a quiet stretch: search wider
    return -1, False
