"""Use case: download closed candles into the store, resuming where the store ends.

Pages are checked like imported files and written every ``flush_rows`` rows, and once more when
the download stops for any reason, so an interrupted download keeps what it fetched and the next
run asks only for the minutes after it.
"""

from __future__ import annotations

import attrs
import numpy as np

from application.ports_data import CandleStore, DataError, KlineFeed, ProgressCallback
from domain.data_quality import Ohlcv, concat_sorted, describe, row_problems
from domain.market import MINUTE_MS, Pair, ms_to_datetime


@attrs.define
class DownloadReport:
    pair: str
    requested_start_ms: int
    resumed_from_ms: int
    end_ms: int
    fetched: int = 0
    added: int = 0
    conflicts: int = 0


class DownloadCandles:
    def __init__(self, feed: KlineFeed, store: CandleStore, flush_rows: int = 50_000) -> None:
        self._feed = feed
        self._store = store
        self._flush_rows = flush_rows

    def resume_point(self, pair: Pair, start_ms: int, end_ms: int) -> int:
        """Where the store ends inside the requested range (the requested start if it holds nothing there)."""
        last = self._store.last_open_time_ms(pair)
        if last is None or last < start_ms:
            return start_ms
        if last >= end_ms:
            # the store reaches past the range: find where it ends inside it
            stored = self._store.load(pair, start_ms, end_ms).open_time_ms
            return int(stored[-1]) + MINUTE_MS if len(stored) else start_ms
        return last + MINUTE_MS

    def __call__(self, pair: Pair, start_ms: int, end_ms: int, progress: ProgressCallback | None = None,
                 source: str = "binance-rest") -> DownloadReport:
        resume = self.resume_point(pair, start_ms, end_ms)
        report = DownloadReport(pair.symbol, start_ms, resume, end_ms)
        pending: list[Ohlcv] = []
        try:
            for page in self._feed.pages(pair, resume, end_ms):
                _check_page(pair, page)
                pending.append(page)
                report.fetched += len(page)
                if progress is not None and len(page):
                    progress(report.fetched, int(page.open_time_ms[-1]))
                if sum(len(p) for p in pending) >= self._flush_rows:
                    self._flush(pair, pending, report, source)
        finally:
            self._flush(pair, pending, report, source)
        return report

    def _flush(self, pair: Pair, pending: list[Ohlcv], report: DownloadReport, source: str) -> None:
        if not pending:
            return
        result = self._store.merge(pair, concat_sorted(pending), source=source)
        pending.clear()
        report.added += result.added
        report.conflicts += len(result.conflicts)


def _check_page(pair: Pair, page: Ohlcv) -> None:
    flags = row_problems(page)
    if flags.any():
        index = int(np.flatnonzero(flags)[0])
        when = ms_to_datetime(int(page.open_time_ms[index])) if 0 < page.open_time_ms[index] < 2**42 else "?"
        raise DataError(f"{pair}: the exchange sent a bad candle at {when}: {describe(int(flags[index]))}")
