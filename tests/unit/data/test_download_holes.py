"""The download use case asks only for the minutes the store lacks, and reports (never applies)
downloaded candles that differ from stored ones."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from application.data.ingest_download import CONFLICT_SAMPLE, DownloadCandles, missing_ranges
from application.data.ingest_report import describe_download, download_payload
from domain.market.candles import MINUTE_MS, Pair
from domain.market.quality import Ohlcv
from tests.fakes.candles import T0, InMemoryCandleStore, drop_minutes, make_candles

BTC = Pair("BTCUSDT")
M = MINUTE_MS


def minutes(*offsets: int) -> np.ndarray:
    return T0 + M * np.array(offsets, dtype=np.int64)


class RangeFeed:
    """Serves ``candles`` for any requested range, recording the ranges asked for."""

    def __init__(self, candles: Ohlcv) -> None:
        self.candles = candles
        self.asked: list[tuple[int, int]] = []

    def pages(self, pair: Pair, start_ms: int, end_ms: int) -> Iterator[Ohlcv]:
        self.asked.append((start_ms, end_ms))
        t = self.candles.open_time_ms
        yield self.candles.take((t >= start_ms) & (t < end_ms))


class RacingFeed(RangeFeed):
    """Another writer stores different values for the minutes just before they are served."""

    def __init__(self, candles: Ohlcv, store: InMemoryCandleStore, rival: Ohlcv) -> None:
        super().__init__(candles)
        self.store, self.rival = store, rival

    def pages(self, pair: Pair, start_ms: int, end_ms: int) -> Iterator[Ohlcv]:
        self.store.merge(pair, self.rival, "rival")
        yield from super().pages(pair, start_ms, end_ms)


@pytest.mark.parametrize(("stored", "start", "end", "expected"), [
    ([], 0, 10, [(0, 10)]),
    ([0, 1, 2], 0, 3, []),
    ([3, 4, 8, 9], 0, 12, [(0, 3), (5, 8), (10, 12)]),
    ([0, 5], 0, 6, [(1, 5)]),
])
def test_missing_ranges(stored: list[int], start: int, end: int, expected: list[tuple[int, int]]) -> None:
    ranges = missing_ranges(minutes(*stored), T0 + start * M, T0 + end * M)
    assert ranges == [(T0 + a * M, T0 + b * M) for a, b in expected]


def test_missing_ranges_start_on_the_next_whole_minute() -> None:
    assert missing_ranges(minutes(), T0 + 30_000, T0 + 3 * M) == [(T0 + M, T0 + 3 * M)]
    assert missing_ranges(minutes(), T0 + 30_000, T0 + M) == []


def test_download_fills_the_holes_inside_the_range_only() -> None:
    candles = make_candles(1000)
    store = InMemoryCandleStore()
    store.merge(BTC, drop_minutes(candles.take(slice(20, 900)), *range(80, 90)), "file")  # minutes 100..109 missing
    feed = RangeFeed(candles)
    report = DownloadCandles(feed, store)(BTC, T0, T0 + 1000 * M)
    assert feed.asked == [(T0, T0 + 20 * M), (T0 + 100 * M, T0 + 110 * M), (T0 + 900 * M, T0 + 1000 * M)]
    assert (report.ranges, report.fetched, report.added, report.conflicts) == (3, 130, 130, 0)
    assert report.resumed_from_ms == T0
    assert np.array_equal(store.load(BTC).open_time_ms, candles.open_time_ms)
    again = DownloadCandles(feed, store)(BTC, T0, T0 + 1000 * M)
    assert (again.ranges, again.fetched, again.resumed_from_ms) == (0, 0, T0 + 1000 * M)


def test_conflicts_keep_the_stored_values_and_are_reported_with_their_first_open_times() -> None:
    candles = make_candles(100)
    store = InMemoryCandleStore()
    store.merge(BTC, candles.take(slice(0, 50)), "file")
    rival = make_candles(100, seed=7).take(slice(60, 68))  # 8 other values for minutes 60..67
    report = DownloadCandles(RacingFeed(candles, store, rival), store)(BTC, T0, T0 + 100 * M)
    assert (report.conflicts, report.added) == (8, 42)
    assert report.conflict_open_times_ms == minutes(*range(60, 60 + CONFLICT_SAMPLE)).tolist()
    stored = store.load(BTC)
    assert np.array_equal(stored.close[60:68], rival.close)  # the stored value stays
    text = describe_download(download_payload(report))
    assert "8 downloaded candles differ from the stored ones (stored values kept)" in text
    assert "2021-01-01T01:00:00+00:00" in text and "and 3 more" in text
