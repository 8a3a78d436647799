"""The CandleStore contract, run against the parquet store and the in-memory fake."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from adapters.parquet import ParquetCandleSource, ParquetCandleStore, read_frame
from application.data.ports import CandleStore
from domain.market.candles import MINUTE_MS, Pair, datetime_to_ms, ms_to_datetime
from domain.market.quality import Ohlcv
from tests.fakes.candles import InMemoryCandleStore, drop_minutes, make_candles, with_value

BTC, ETH = Pair("BTCUSDT"), Pair("ETHUSDT")
JAN_30 = datetime_to_ms(datetime(2021, 1, 30, tzinfo=UTC))


@pytest.fixture(params=["parquet", "memory"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], CandleStore]:
    if request.param == "parquet":
        return lambda: ParquetCandleStore(tmp_path / "candles")
    store = InMemoryCandleStore()
    return lambda: store


def across_months(n: int = 5 * 1440) -> Ohlcv:
    return make_candles(n, JAN_30)  # Jan 30 .. Feb 3


def test_empty_store(make_store: Callable[[], CandleStore]) -> None:
    store = make_store()
    assert store.pairs() == [] and len(store.load(BTC)) == 0 and store.last_open_time_ms(BTC) is None
    assert store.monthly_rows(BTC) == {}


def test_merge_then_load_round_trips_across_months(make_store: Callable[[], CandleStore]) -> None:
    store, candles = make_store(), across_months()
    result = store.merge(BTC, candles, "test")
    assert result.added == len(candles) and len(result.conflicts) == 0
    loaded = make_store().load(BTC)
    assert np.array_equal(loaded.open_time_ms, candles.open_time_ms)
    assert np.array_equal(loaded.values(), candles.values())
    assert make_store().monthly_rows(BTC) == {"2021-01": 2 * 1440, "2021-02": 3 * 1440}
    assert make_store().last_open_time_ms(BTC) == candles.open_time_ms[-1]
    assert make_store().pairs() == [BTC]


def test_load_a_range(make_store: Callable[[], CandleStore]) -> None:
    store, candles = make_store(), across_months()
    store.merge(BTC, candles, "test")
    start, end = int(candles.open_time_ms[100]), int(candles.open_time_ms[4000])
    assert np.array_equal(store.load(BTC, start, end).open_time_ms, candles.open_time_ms[100:4000])


def test_merge_is_idempotent_and_reports_conflicts(make_store: Callable[[], CandleStore]) -> None:
    store, candles = make_store(), across_months()
    store.merge(BTC, drop_minutes(candles, 10, 11), "a")
    again = store.merge(BTC, candles, "b")
    assert (again.added, again.unchanged) == (2, len(candles) - 2)
    twice = store.merge(BTC, candles, "b")
    assert (twice.added, twice.partitions_written) == (0, ())
    changed = with_value(candles, "close", 3000, candles.close[3000] * 2)
    conflict = store.merge(BTC, changed, "c")
    assert len(conflict.conflicts) == 1 and conflict.stored_at_conflicts.close[0] == candles.close[3000]
    assert store.load(BTC).close[3000] == candles.close[3000]


def test_dry_run_writes_nothing(make_store: Callable[[], CandleStore]) -> None:
    store = make_store()
    assert store.merge(BTC, across_months(), "test", dry_run=True).added == 5 * 1440
    assert len(make_store().load(BTC)) == 0


def test_pairs_are_kept_apart(make_store: Callable[[], CandleStore]) -> None:
    store = make_store()
    store.merge(BTC, make_candles(10), "test")
    store.merge(ETH, make_candles(20, seed=2), "test")
    assert store.pairs() == [BTC, ETH] and len(store.load(ETH)) == 20


# parquet only: files, manifests, atomicity, frames and the replay source

def test_partitions_and_manifests(tmp_path: Path) -> None:
    store = ParquetCandleStore.in_data_dir(tmp_path)
    candles = across_months()
    store.merge(BTC, candles, "BTCUSDT.csv.gz")
    files = sorted(p.name for p in (tmp_path / "candles" / "BTCUSDT").iterdir())
    assert files == ["2021-01.json", "2021-01.parquet", "2021-02.json", "2021-02.parquet"]
    manifest = store.manifest(BTC, "2021-02")
    assert manifest["rows"] == 3 * 1440 and manifest["sources"] == ["BTCUSDT.csv.gz"]
    assert manifest["first_open_time"] == "2021-02-01T00:00:00+00:00"
    assert manifest["content_hash"].startswith("sha256:")
    assert store.verify(BTC) == []
    store.merge(BTC, make_candles(10, int(candles.open_time_ms[-1]) + MINUTE_MS, seed=9), "more.csv")
    assert store.manifest(BTC, "2021-02")["sources"] == ["BTCUSDT.csv.gz", "more.csv"]


def test_reimport_leaves_files_untouched(tmp_path: Path) -> None:
    store = ParquetCandleStore(tmp_path)
    candles = across_months()
    store.merge(BTC, candles, "a")
    before = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    store.merge(BTC, candles, "b")
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == before


def test_failed_write_leaves_the_old_month_and_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import adapters.parquet.partition as partition

    store = ParquetCandleStore(tmp_path)
    candles = make_candles(100, JAN_30)
    store.merge(BTC, candles.take(slice(0, 50)), "a")

    def broken(table, handle, **kwargs):  # type: ignore[no-untyped-def]
        handle.write(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(partition.pq, "write_table", broken)
    with pytest.raises(OSError, match="disk full"):
        store.merge(BTC, candles, "b")
    monkeypatch.undo()
    assert len(store.load(BTC)) == 50
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["2021-01.json", "2021-01.parquet"]


def test_read_frame_has_a_utc_datetime_index(tmp_path: Path) -> None:
    store = ParquetCandleStore(tmp_path)
    candles = across_months()
    store.merge(BTC, candles, "a")
    frame = read_frame(store, BTC, datetime(2021, 2, 1, tzinfo=UTC), datetime(2021, 2, 2, tzinfo=UTC))
    assert len(frame) == 1440 and list(frame.columns) == ["open", "high", "low", "close", "volume"]
    assert str(frame.index.tz) == "UTC" and frame.index[0] == datetime(2021, 2, 1, tzinfo=UTC)
    assert frame.index.is_monotonic_increasing


def test_parquet_candle_source_windows(tmp_path: Path) -> None:
    store = ParquetCandleStore(tmp_path)
    candles = drop_minutes(across_months(), 500)
    store.merge(BTC, candles, "a")
    source = ParquetCandleSource(store, [BTC])
    end = ms_to_datetime(int(candles.open_time_ms[1000]) + 30_000)  # candle 1000 is still open
    window = source.window(BTC, end, 600)
    assert len(window) == 600 and window.open_time_ms[-1] == candles.open_time_ms[999]
    assert not window.is_contiguous()  # the gap is kept
    assert len(source.window(BTC, ms_to_datetime(JAN_30), 10)) == 0
    assert len(source.window(ETH, end, 10)) == 0 and source.coverage(ETH) is None
    first, last = source.coverage(BTC) or (None, None)
    assert first == ms_to_datetime(JAN_30)
    assert last == ms_to_datetime(int(candles.open_time_ms[-1]) + MINUTE_MS)
