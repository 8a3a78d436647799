from __future__ import annotations

import numpy as np
import pytest

from application.data.ingest import MAX_LISTED_PROBLEMS, ImportCandles
from application.data.ingest_download import DownloadCandles
from application.data.ports import CandleFileReader, DataError, LineProblem, ParsedFile
from domain.market.candles import MINUTE_MS, Pair
from domain.market.quality import Ohlcv
from tests.fakes.candles import T0, InMemoryCandleStore, make_candles, with_value

BTC = Pair("BTCUSDT")


class FakeReader(CandleFileReader):
    def __init__(self, files: dict[str, ParsedFile]) -> None:
        self.files = files

    def read(self, path: str, pair: Pair | None = None) -> ParsedFile:
        return self.files[path]


def parsed(path: str, candles: Ohlcv, unparsed: tuple[LineProblem, ...] = ()) -> ParsedFile:
    return ParsedFile.from_rows(path, BTC, candles, 2, unparsed=unparsed)


def test_clean_files_are_imported_and_reimport_changes_nothing() -> None:
    store = InMemoryCandleStore()
    candles = make_candles(300)
    reader = FakeReader({"a.csv": parsed("a.csv", candles.take(slice(0, 200))),
                         "b.csv": parsed("b.csv", candles.take(slice(100, 300)))})
    report = ImportCandles(reader, store)(["a.csv", "b.csv"])
    assert report.written and report.clean
    assert report.added == {"BTCUSDT": 300}
    again = ImportCandles(reader, store)(["a.csv", "b.csv"])
    assert again.added == {"BTCUSDT": 0} and again.unchanged == {"BTCUSDT": 300}
    assert store.writes == 1


def test_a_bad_row_refuses_the_whole_import_with_file_and_line() -> None:
    store = InMemoryCandleStore()
    bad = with_value(make_candles(50), "high", 9, 1.0)
    report = ImportCandles(FakeReader({"a.csv": parsed("a.csv", bad)}), store)(["a.csv"])
    assert not report.written and report.bad_row_count == 1
    assert (report.bad_rows[0].path, report.bad_rows[0].line) == ("a.csv", 11)
    assert "high/low" in report.bad_rows[0].reason
    assert store.pairs() == []


def test_skip_bad_rows_imports_the_rest_and_counts() -> None:
    store = InMemoryCandleStore()
    bad = with_value(make_candles(50), "volume", 3, -1.0)
    reader = FakeReader({"a.csv": parsed("a.csv", bad, (LineProblem(60, "close is not a number: 'x'"),))})
    report = ImportCandles(reader, store)(["a.csv"], skip_bad_rows=True)
    assert report.written and report.bad_row_count == 2
    assert len(store.load(BTC)) == 49


def test_conflict_with_the_store_is_reported_not_overwritten() -> None:
    store = InMemoryCandleStore()
    candles = make_candles(50)
    store.merge(BTC, candles, "first")
    changed = with_value(candles, "close", 20, candles.close[20] * 1.0001)
    reader = FakeReader({"b.csv": parsed("b.csv", changed)})
    report = ImportCandles(reader, store)(["b.csv"])
    assert not report.written and report.conflict_count == 1
    assert report.bad_rows[0].line == 22 and "differs from the stored candle" in report.bad_rows[0].reason
    skipped = ImportCandles(reader, store)(["b.csv"], skip_bad_rows=True)
    assert skipped.written and skipped.conflict_count == 1
    assert store.load(BTC).close[20] == candles.close[20]


def test_files_that_disagree_with_each_other() -> None:
    candles = make_candles(50)
    reader = FakeReader({"a.csv": parsed("a.csv", candles),
                         "b.csv": parsed("b.csv", with_value(candles, "open", 5, candles.open[5] * 1.01))})
    report = ImportCandles(reader, InMemoryCandleStore())(["a.csv", "b.csv"])
    assert not report.written
    assert (report.bad_rows[0].path, report.bad_rows[0].line) == ("b.csv", 7)


def test_problems_are_listed_in_file_then_line_order() -> None:
    # an unparsable line 3 is found before the row checks flag line 2; b.csv's clash with a.csv
    # at line 7 is found after b.csv's own bad line 40: the listing follows the files, not the checks
    candles = make_candles(50)
    a = with_value(candles, "high", 0, 1.0)
    b = with_value(with_value(candles, "open", 5, candles.open[5] * 1.01), "volume", 38, -1.0)
    reader = FakeReader({"a.csv": parsed("a.csv", a, (LineProblem(3, "open is not a number: 'x'"),)),
                         "b.csv": parsed("b.csv", b)})
    report = ImportCandles(reader, InMemoryCandleStore())(["a.csv", "b.csv"])
    assert [(b.path, b.line) for b in report.bad_rows] == [("a.csv", 2), ("a.csv", 3), ("b.csv", 7), ("b.csv", 40)]


def test_the_listed_problems_are_the_first_ones_in_line_order_when_there_are_too_many() -> None:
    candles = make_candles(600)
    late_unparsed = tuple(LineProblem(1000 + i, "close is not a number: 'x'") for i in range(300))
    bad = candles
    for index in range(0, 600, 2):
        bad = with_value(bad, "volume", index, -1.0)
    report = ImportCandles(FakeReader({"a.csv": parsed("a.csv", bad, late_unparsed)}), InMemoryCandleStore())(
        ["a.csv"])
    lines = [b.line for b in report.bad_rows]
    assert report.bad_row_count == 600 and len(lines) == MAX_LISTED_PROBLEMS
    assert lines == list(range(2, 2 + 2 * MAX_LISTED_PROBLEMS, 2))


class PagedFeed:
    def __init__(self, candles: Ohlcv, fail_after: int | None = None, page: int = 100) -> None:
        self.candles, self.fail_after, self.page = candles, fail_after, page
        self.requests: list[int] = []

    def pages(self, pair: Pair, start_ms: int, end_ms: int):  # type: ignore[no-untyped-def]
        self.requests.append(start_ms)
        t = self.candles.open_time_ms
        selected = self.candles.take((t >= start_ms) & (t < end_ms))
        for number, lo in enumerate(range(0, len(selected), self.page)):
            if self.fail_after is not None and number >= self.fail_after:
                raise DataError("connection lost")
            yield selected.take(slice(lo, lo + self.page))


def test_download_resumes_where_the_store_ends() -> None:
    store = InMemoryCandleStore()
    candles = make_candles(1000)
    end = T0 + 1000 * MINUTE_MS
    with pytest.raises(DataError):
        DownloadCandles(PagedFeed(candles, fail_after=3), store, flush_rows=10_000)(BTC, T0, end)
    assert len(store.load(BTC)) == 300  # what was fetched before the failure is kept
    feed = PagedFeed(candles)
    report = DownloadCandles(feed, store)(BTC, T0, end)
    assert feed.requests == [T0 + 300 * MINUTE_MS]
    assert report.added == 700 and len(store.load(BTC)) == 1000


def test_download_refuses_a_bad_page() -> None:
    store = InMemoryCandleStore()
    bad = with_value(make_candles(200), "low", 150, 1e9)
    with pytest.raises(DataError, match="bad candle"):
        DownloadCandles(PagedFeed(bad), store)(BTC, T0, T0 + 200 * MINUTE_MS)
    assert np.all(store.load(BTC).open_time_ms < T0 + 100 * MINUTE_MS)
