"""Quality checks over columns of 1-minute candles, vectorised with numpy.

Row checks (a flag per row, so an importer can name the file and line of each bad row) and
series checks (gaps, zero-volume runs, extreme returns) that describe the data but never change
it: gaps are kept, extreme moves are flagged, not dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import IntFlag
from typing import Any

import attrs
import numpy as np
import numpy.typing as npt

from domain.market.candles import MINUTE_MS, CandleWindow, FloatArray, IntArray, Pair, as_float_array, as_int_array
from domain.market.quality_time import Gap, find_gaps, implausible_ms, missing_minutes

COLUMNS = ("open_time_ms", "open", "high", "low", "close", "volume")
Mask = npt.NDArray[np.bool_]


@attrs.frozen(eq=False)
class Ohlcv:
    """Columns of 1-minute candles of one pair; open times in epoch milliseconds, UTC."""

    open_time_ms: IntArray = attrs.field(converter=as_int_array)
    open: FloatArray = attrs.field(converter=as_float_array)
    high: FloatArray = attrs.field(converter=as_float_array)
    low: FloatArray = attrs.field(converter=as_float_array)
    close: FloatArray = attrs.field(converter=as_float_array)
    volume: FloatArray = attrs.field(converter=as_float_array)

    def __attrs_post_init__(self) -> None:
        n = len(self.open_time_ms)
        if any(len(getattr(self, name)) != n for name in COLUMNS[1:]):
            raise ValueError("every column must have as many rows as open_time_ms")

    def __len__(self) -> int:
        return len(self.open_time_ms)

    @classmethod
    def empty(cls) -> Ohlcv:
        return cls(*(np.empty(0) for _ in COLUMNS))

    @classmethod
    def concat(cls, parts: Sequence[Ohlcv]) -> Ohlcv:
        if not parts:
            return cls.empty()
        if len(parts) == 1:
            return parts[0]
        return cls(*(np.concatenate([getattr(p, name) for p in parts]) for name in COLUMNS))

    def take(self, index: Any) -> Ohlcv:
        """Rows selected by a boolean mask, an index array or a slice."""
        return Ohlcv(*(getattr(self, name)[index] for name in COLUMNS))

    def prices(self) -> FloatArray:
        return np.column_stack([self.open, self.high, self.low, self.close])

    def values(self) -> FloatArray:
        return np.column_stack([self.open, self.high, self.low, self.close, self.volume])

    def closed_window(self, pair: Pair, end_ms: int, length: int) -> CandleWindow:
        """The last ``length`` candles closed by ``end_ms`` (open_time + 1 minute <= end); rows sorted."""
        stop = int(np.searchsorted(self.open_time_ms, end_ms - MINUTE_MS, side="right"))
        start = max(0, stop - max(length, 0))
        return CandleWindow(pair, *(getattr(self, name)[start:stop] for name in COLUMNS))

    def span_ms(self) -> tuple[int, int] | None:
        """First open time and last close time, or None when empty."""
        if len(self) == 0:
            return None
        return int(self.open_time_ms[0]), int(self.open_time_ms[-1]) + MINUTE_MS


class RowProblem(IntFlag):
    NON_NUMERIC = 1
    NON_POSITIVE_PRICE = 2
    OHLC_INCONSISTENT = 4
    NEGATIVE_VOLUME = 8
    OFF_GRID = 16
    TIME_UNIT = 32
    DUPLICATE = 64
    NON_MONOTONIC = 128


_DESCRIPTIONS = {
    RowProblem.NON_NUMERIC: "empty or non-numeric value",
    RowProblem.NON_POSITIVE_PRICE: "prices must be > 0",
    RowProblem.OHLC_INCONSISTENT: "high/low inconsistent with open/close",
    RowProblem.NEGATIVE_VOLUME: "volume must be >= 0",
    RowProblem.OFF_GRID: "open time is not on a whole minute",
    RowProblem.TIME_UNIT: "open time is not in milliseconds of this era (unit mistake)",
    RowProblem.DUPLICATE: "open time repeats an earlier row",
    RowProblem.NON_MONOTONIC: "open time goes back before an earlier row",
}


def describe(flags: int) -> str:
    return "; ".join(text for flag, text in _DESCRIPTIONS.items() if flags & flag)


def row_problems(candles: Ohlcv) -> npt.NDArray[np.uint8]:
    """One bit set per failed check, per row (0 for a good row)."""
    t = candles.open_time_ms
    flags = np.zeros(len(candles), dtype=np.uint8)
    if len(candles) == 0:
        return flags
    o, h, low, c, v = candles.open, candles.high, candles.low, candles.close, candles.volume
    with np.errstate(invalid="ignore"):
        # NaN and inf survive sums, so one finiteness test covers all five columns
        _set(flags, ~np.isfinite(o + h + low + c + v), RowProblem.NON_NUMERIC)
        _set(flags, np.minimum(np.minimum(o, h), np.minimum(low, c)) <= 0, RowProblem.NON_POSITIVE_PRICE)
        inconsistent: Mask = (h < np.maximum(o, c)) | (low > np.minimum(o, c)) | (h < low)
        negative: Mask = v < 0
        _set(flags, inconsistent, RowProblem.OHLC_INCONSISTENT)
        _set(flags, negative, RowProblem.NEGATIVE_VOLUME)
    _set(flags, t % MINUTE_MS != 0, RowProblem.OFF_GRID)
    _set(flags, implausible_ms(t), RowProblem.TIME_UNIT)
    _set(flags, _sequence_duplicates(t), RowProblem.DUPLICATE)
    if not is_sorted_unique(t):
        running_max = np.maximum.accumulate(t)
        _set(flags, np.concatenate([[False], t[1:] < running_max[:-1]]), RowProblem.NON_MONOTONIC)
    return flags


def _set(flags: npt.NDArray[np.uint8], mask: Mask | np.bool_, flag: RowProblem) -> None:
    flags[mask] |= np.uint8(flag)


def _sequence_duplicates(t: IntArray) -> Mask:
    """Every occurrence of an open time after its first one."""
    if is_sorted_unique(t):
        return np.zeros(len(t), dtype=bool)
    order = np.argsort(t, kind="stable")
    repeats = np.zeros(len(t), dtype=bool)
    repeats[order[1:]] = t[order[1:]] == t[order[:-1]]
    return repeats


def count_by_problem(flags: npt.NDArray[np.uint8]) -> dict[str, int]:
    return {flag.name.lower(): int(np.count_nonzero(flags & flag)) for flag in RowProblem if flag.name}


@attrs.frozen
class QualityThresholds:
    extreme_return_mads: float = 25.0  # robust deviations (MAD * 1.4826) beyond which a return is extreme
    zero_volume_min_run: int = 3  # consecutive zero-volume minutes that count as a run


@attrs.frozen
class QualityReport:
    rows: int
    first_open_time_ms: int | None
    last_open_time_ms: int | None
    gaps: list[Gap]
    missing_minutes: int
    checks: dict[str, int]
    extreme_return_times_ms: list[int]

    @property
    def gap_count(self) -> int:
        return len(self.gaps)

    @property
    def row_errors(self) -> int:
        """Rows that break a hard rule (gaps, zero volume and extreme returns are not errors)."""
        return sum(self.checks[flag.name.lower()] for flag in RowProblem if flag.name)


def check_quality(candles: Ohlcv, thresholds: QualityThresholds | None = None) -> QualityReport:
    thresholds = thresholds or QualityThresholds()
    flags = row_problems(candles)
    checks = count_by_problem(flags)
    grid = candles.open_time_ms
    if not is_sorted_unique(grid) or flags.any():
        grid = np.unique(grid[(flags & (RowProblem.OFF_GRID | RowProblem.TIME_UNIT)) == 0])
    series = candles if _is_clean_series(flags) else _clean_series(candles, flags)
    runs = zero_volume_runs(series, thresholds.zero_volume_min_run)
    extreme = extreme_returns(series, thresholds.extreme_return_mads)
    checks["zero_volume_rows"] = int(np.count_nonzero(series.volume == 0))
    checks["zero_volume_runs"] = len(runs)
    checks["longest_zero_volume_run"] = max((n for _, n in runs), default=0)
    checks["extreme_returns"] = int(np.count_nonzero(extreme))
    return QualityReport(
        rows=len(candles),
        first_open_time_ms=int(grid[0]) if len(grid) else None,
        last_open_time_ms=int(grid[-1]) if len(grid) else None,
        gaps=find_gaps(grid),
        missing_minutes=missing_minutes(grid),
        checks=checks,
        extreme_return_times_ms=[int(x) for x in series.open_time_ms[1:][extreme][:100]],
    )


def _is_clean_series(flags: npt.NDArray[np.uint8]) -> bool:
    return not bool(flags.any())


def _clean_series(candles: Ohlcv, flags: npt.NDArray[np.uint8]) -> Ohlcv:
    good = candles.take(flags == 0)
    return good.take(np.argsort(good.open_time_ms, kind="stable"))


def zero_volume_runs(candles: Ohlcv, min_run: int) -> list[tuple[int, int]]:
    """(first open time, length) of each run of consecutive zero-volume minutes of at least min_run."""
    zero = candles.volume == 0
    if not zero.any():
        return []
    # a run breaks where volume is non-zero or where a minute is missing
    adjacent = np.concatenate([[False], np.diff(candles.open_time_ms) == MINUTE_MS])
    starts = zero & ~(np.concatenate([[False], zero[:-1]]) & adjacent)
    run_id = np.cumsum(starts) - 1
    lengths = np.bincount(run_id[zero])
    first = np.flatnonzero(starts)
    keep = lengths >= min_run
    return [(int(candles.open_time_ms[i]), int(n)) for i, n in zip(first[keep], lengths[keep], strict=True)]


def extreme_returns(candles: Ohlcv, mads: float) -> Mask:
    """Per step between rows (len - 1), True where the log return of close between adjacent
    minutes lies beyond ``mads`` robust deviations of the series' median return."""
    if len(candles) < 3:
        return np.zeros(max(len(candles) - 1, 0), dtype=bool)
    close = candles.close
    adjacent = np.diff(candles.open_time_ms) == MINUTE_MS
    with np.errstate(divide="ignore", invalid="ignore"):
        returns = np.log(close[1:] / close[:-1])
    usable = adjacent & np.isfinite(returns)
    if not usable.any():
        return np.zeros(len(returns), dtype=bool)
    centre = float(np.median(returns[usable]))
    spread = 1.4826 * float(np.median(np.abs(returns[usable] - centre)))
    if spread == 0:
        spread = float(np.mean(np.abs(returns[usable] - centre))) or np.finfo(float).eps
    result: Mask = usable & (np.abs(returns - centre) > mads * spread)
    return result


def sort_unique(candles: Ohlcv) -> Ohlcv:
    """Sorted by open time, first occurrence of each open time kept."""
    if is_sorted_unique(candles.open_time_ms):
        return candles
    _, first = np.unique(candles.open_time_ms, return_index=True)
    return candles.take(first)


def is_sorted_unique(open_time_ms: IntArray) -> bool:
    return len(open_time_ms) < 2 or bool(np.all(np.diff(open_time_ms) > 0))


def concat_sorted(parts: Iterable[Ohlcv]) -> Ohlcv:
    kept = [p for p in parts if len(p)]
    # a part that carries more columns (candle_extras.OhlcvExtras) decides the kind, so none are dropped
    kind = next((type(p) for p in kept if type(p) is not Ohlcv), Ohlcv)
    merged = kind.concat(kept)
    return merged if is_sorted_unique(merged.open_time_ms) else sort_unique(merged)
