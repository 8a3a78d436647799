"""Use case: download closed candles into the store, fetching only the minutes it lacks.

The requested range is cut into the stretches the store holds nothing for (before its first
stored minute, the holes inside, after its last), and only those are asked for, so a rerun
resumes where an interrupted one stopped and fills holes another source left. Pages are checked
like imported files and written every ``flush_rows`` rows, and once more when the download stops
for any reason, so an interrupted download keeps what it fetched.

A downloaded candle that differs from the stored one is a conflict: the stored value stays, and
the report counts them and keeps the first open times so the user can look.
"""

from __future__ import annotations

import attrs
import numpy as np

from application.data.ports import CandleStore, DataError, KlineFeed, ProgressCallback
from domain.market.candles import MINUTE_MS, IntArray, Pair, ms_to_datetime
from domain.market.quality import Ohlcv, concat_sorted, describe, row_problems
from domain.market.quality_time import find_gaps

CONFLICT_SAMPLE = 5  # open times kept per pair; the count is exact

Range = tuple[int, int]  # open times start <= t < end, in ms


@attrs.define
class DownloadReport:
    pair: str
    requested_start_ms: int
    resumed_from_ms: int  # the first minute asked for (the end when the store lacked nothing)
    end_ms: int
    ranges: int = 0  # stretches of missing minutes asked for
    fetched: int = 0
    added: int = 0
    conflicts: int = 0
    conflict_open_times_ms: list[int] = attrs.field(factory=list)


def missing_ranges(stored: IntArray, start_ms: int, end_ms: int) -> list[Range]:
    """The stretches of ``start_ms <= t < end_ms`` (minute grid) with no stored open time;
    ``stored`` holds the sorted unique open times inside that range."""
    start_ms = -(-start_ms // MINUTE_MS) * MINUTE_MS  # the first whole minute: Binance has nothing before it
    if start_ms >= end_ms:
        return []
    if not len(stored):
        return [(start_ms, end_ms)]
    first, after_last = int(stored[0]), int(stored[-1]) + MINUTE_MS
    ranges = [(start_ms, first)] if first > start_ms else []
    ranges += [(gap.first_missing_ms, gap.last_missing_ms + MINUTE_MS) for gap in find_gaps(stored)]
    if after_last < end_ms:
        ranges.append((after_last, end_ms))
    return ranges


class DownloadCandles:
    def __init__(self, feed: KlineFeed, store: CandleStore, flush_rows: int = 50_000) -> None:
        self._feed = feed
        self._store = store
        self._flush_rows = flush_rows

    def missing(self, pair: Pair, start_ms: int, end_ms: int) -> list[Range]:
        """What a download of ``start_ms <= t < end_ms`` will ask for."""
        return missing_ranges(self._store.load(pair, start_ms, end_ms).open_time_ms, start_ms, end_ms)

    def __call__(self, pair: Pair, start_ms: int, end_ms: int, progress: ProgressCallback | None = None,
                 source: str = "binance-rest", ranges: list[Range] | None = None) -> DownloadReport:
        """Fetch ``ranges`` (default: :meth:`missing`) and merge them into the store."""
        ranges = self.missing(pair, start_ms, end_ms) if ranges is None else ranges
        report = DownloadReport(pair.symbol, start_ms, ranges[0][0] if ranges else end_ms, end_ms, len(ranges))
        pending: list[Ohlcv] = []
        try:
            for lo, hi in ranges:
                for page in self._feed.pages(pair, lo, hi):
                    self._take(pair, page, pending, report, progress, source)
        finally:
            self._flush(pair, pending, report, source)
        return report

    def _take(self, pair: Pair, page: Ohlcv, pending: list[Ohlcv], report: DownloadReport,
              progress: ProgressCallback | None, source: str) -> None:
        _check_page(pair, page)
        pending.append(page)
        report.fetched += len(page)
        if progress is not None and len(page):
            progress(report.fetched, int(page.open_time_ms[-1]))
        if sum(len(p) for p in pending) >= self._flush_rows:
            self._flush(pair, pending, report, source)

    def _flush(self, pair: Pair, pending: list[Ohlcv], report: DownloadReport, source: str) -> None:
        if not pending:
            return
        # the store keeps its value at a conflicting minute; the report says where
        result = self._store.merge(pair, concat_sorted(pending), source=source)
        pending.clear()
        report.added += result.added
        report.conflicts += len(result.conflicts)
        room = CONFLICT_SAMPLE - len(report.conflict_open_times_ms)
        report.conflict_open_times_ms += result.conflicts.open_time_ms[:max(room, 0)].tolist()


def _check_page(pair: Pair, page: Ohlcv) -> None:
    flags = row_problems(page)
    if flags.any():
        index = int(np.flatnonzero(flags)[0])
        when = ms_to_datetime(int(page.open_time_ms[index])) if 0 < page.open_time_ms[index] < 2**42 else "?"
        raise DataError(f"{pair}: the exchange sent a bad candle at {when}: {describe(int(flags[index]))}")
