"""Kline extras (quote volume, trades, taker-buy volume): kept by the archive reader and the REST
parser, stored as optional columns by the parquet store, merged without false conflicts."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from adapters.binance import BinanceArchiveReader, parse_klines
from adapters.parquet import ParquetCandleStore, read_frame
from domain.market.candles import MINUTE_MS, Pair
from domain.market.extras import (
    EXTRA_COLUMNS,
    OhlcvExtras,
    complete_extras,
    concat_candles,
    extras_of,
    has_extras,
    merge_with_extras,
)
from domain.market.quality import COLUMNS, Ohlcv
from tests.fakes.candles import T0, make_candles
from tests.unit.features.kline_files import kline_lines, with_extras, write_zip

BTC = Pair("BTCUSDT")


def test_take_concat_and_evolve_keep_the_extras() -> None:
    candles = with_extras(make_candles(10))
    part = candles.take(slice(2, 5))
    assert isinstance(part, OhlcvExtras) and part.trades.tolist() == candles.trades[2:5].tolist()
    mixed = concat_candles([make_candles(3, T0 - 3 * MINUTE_MS), candles])
    assert isinstance(mixed, OhlcvExtras) and np.isnan(mixed.trades[:3]).all()
    assert mixed.trades[3:].tolist() == candles.trades.tolist()
    assert has_extras(mixed) and set(complete_extras(candles)) == set(EXTRA_COLUMNS) and not complete_extras(mixed)
    assert not has_extras(OhlcvExtras.of(make_candles(3))) and extras_of(make_candles(3)) == {}
    with pytest.raises(ValueError, match="unknown extra"):
        OhlcvExtras.of(make_candles(3), {"vwap": np.ones(3)})


def test_merging_ohlcv_only_and_extras_fills_without_conflicts() -> None:
    plain, rich = make_candles(20), with_extras(make_candles(20))
    filled = merge_with_extras(plain.take(slice(0, 15)), rich)
    assert (filled.outcome.added, filled.outcome.unchanged, filled.filled) == (5, 15, 15)
    assert len(filled.outcome.conflicts) == 0
    assert filled.outcome.merged.trades.tolist() == rich.trades.tolist()  # type: ignore[attr-defined]
    kept = merge_with_extras(rich, plain)
    assert (kept.outcome.unchanged, kept.filled, len(kept.outcome.conflicts), kept.changed) == (20, 0, 0, False)
    assert kept.outcome.merged.trades.tolist() == rich.trades.tolist()  # type: ignore[attr-defined]


def test_a_known_extra_that_disagrees_is_a_conflict_and_the_stored_value_stays() -> None:
    rich = with_extras(make_candles(20))
    other = OhlcvExtras.of(rich, {"trades": np.where(np.arange(20) == 7, rich.trades + 1, rich.trades)})
    merged = merge_with_extras(rich, other)
    assert (merged.outcome.unchanged, len(merged.outcome.conflicts)) == (19, 1)
    assert merged.outcome.conflicts.open_time_ms.tolist() == [rich.open_time_ms[7]]
    assert merged.outcome.existing_at_conflicts.trades.tolist() == [rich.trades[7]]  # type: ignore[attr-defined]
    assert merged.outcome.merged.trades[7] == rich.trades[7]  # type: ignore[attr-defined]


def test_an_incoming_row_whose_ohlcv_disagrees_supplies_no_extras() -> None:
    plain = make_candles(5)
    rich = with_extras(make_candles(5))
    wrong = OhlcvExtras.of(Ohlcv(rich.open_time_ms, rich.open, rich.high * 2, rich.low, rich.close, rich.volume),
                           extras_of(rich))
    merged = merge_with_extras(plain, wrong)
    assert len(merged.outcome.conflicts) == 5 and merged.filled == 0 and not merged.changed


def test_rest_klines_keep_the_extras_and_tolerate_rows_without_them() -> None:
    row = [T0, "10.0", "11.0", "9.5", "10.5", "3.0", T0 + 59_999, "31.5", 12, "1.5", "15.75", "0"]
    short = [T0 + MINUTE_MS, "10.0", "11.0", "9.5", "10.5", "3.0", T0 + MINUTE_MS + 59_999]
    candles, _ = parse_klines([row, short], now_ms=T0 + 10 * MINUTE_MS)
    assert isinstance(candles, OhlcvExtras)
    assert candles.quote_volume.tolist()[0] == 31.5 and candles.trades[0] == 12 and candles.taker_buy_volume[0] == 1.5
    assert np.isnan([candles.quote_volume[1], candles.trades[1], candles.taker_buy_volume[1]]).all()


@pytest.mark.parametrize("time_scale", [1, 1000])  # spot files use microseconds from 2025 on
def test_the_archive_reader_keeps_the_extras(tmp_path: Path, time_scale: int) -> None:
    candles = with_extras(make_candles(50))
    parsed = BinanceArchiveReader().read(write_zip(tmp_path / "BTCUSDT-1m-2021-01.zip", kline_lines(candles, time_scale)))
    assert isinstance(parsed.candles, OhlcvExtras) and parsed.unparsed == ()
    assert parsed.candles.open_time_ms.tolist() == candles.open_time_ms.tolist()
    for name in EXTRA_COLUMNS:
        np.testing.assert_array_equal(getattr(parsed.candles, name), getattr(candles, name))


def test_the_careful_path_keeps_the_extras_of_the_good_lines(tmp_path: Path) -> None:
    candles = with_extras(make_candles(6))
    lines = kline_lines(candles)
    lines[2] = "not,a,kline"
    lines[4] = lines[4].replace(f",{int(candles.trades[4])},", ",many,")  # an unreadable extra is unknown
    parsed = BinanceArchiveReader().read(write_zip(tmp_path / "BTCUSDT-1m-2021-01.zip", lines))
    assert [p.line for p in parsed.unparsed] == [3] and parsed.lines.tolist() == [1, 2, 4, 5, 6]
    assert isinstance(parsed.candles, OhlcvExtras)
    assert parsed.candles.quote_volume.tolist() == candles.quote_volume[[0, 1, 3, 4, 5]].tolist()
    assert np.isnan(parsed.candles.trades[3]) and parsed.candles.trades[4] == candles.trades[5]


def test_the_store_keeps_extras_as_optional_columns(tmp_path: Path) -> None:
    store = ParquetCandleStore(tmp_path)
    rich = with_extras(make_candles(3 * 1440, T0 - 1440 * MINUTE_MS))  # Dec 31 .. Jan 2
    store.merge(BTC, rich.take(slice(1440, None)), "archive.zip")
    store.merge(BTC, make_candles(1440, T0 - 1440 * MINUTE_MS), "ohlcv.csv")  # December: OHLCV only
    december, january = (pq.read_schema(tmp_path / "BTCUSDT" / f"{m}.parquet").names for m in ("2020-12", "2021-01"))
    assert december == ["open_time", *COLUMNS[1:]] and january == [*december, *EXTRA_COLUMNS]
    loaded = store.load(BTC)
    assert isinstance(loaded, OhlcvExtras) and np.isnan(loaded.trades[:1440]).all()
    assert loaded.trades[1440:].tolist() == rich.trades[1440:].tolist()
    assert store.verify(BTC) == []
    frame = read_frame(store, BTC)
    assert list(frame.columns) == ["open", "high", "low", "close", "volume", *EXTRA_COLUMNS]


def test_ohlcv_only_months_keep_their_layout_and_content_hash(tmp_path: Path) -> None:
    store = ParquetCandleStore(tmp_path)
    candles = make_candles(100)
    store.merge(BTC, candles, "ohlcv.csv")
    digest = hashlib.sha256()
    for name in COLUMNS:  # the hash as it was before extras existed
        digest.update(np.ascontiguousarray(getattr(candles, name)).tobytes())
    assert store.manifest(BTC, "2021-01")["content_hash"] == "sha256:" + digest.hexdigest()
    assert type(store.load(BTC)) is Ohlcv
    assert read_frame(store, BTC).columns.tolist() == ["open", "high", "low", "close", "volume"]


def test_the_archive_over_ohlcv_only_candles_adds_the_extras_without_conflicts(tmp_path: Path) -> None:
    store, rich = ParquetCandleStore(tmp_path), with_extras(make_candles(200))
    store.merge(BTC, make_candles(200), "ohlcv.csv")
    result = store.merge(BTC, rich, "archive.zip")
    assert (result.added, result.unchanged, len(result.conflicts)) == (0, 200, 0)
    assert result.partitions_written == ("2021-01",)  # rewritten: the extras were filled in
    assert store.load(BTC).trades.tolist() == rich.trades.tolist()  # type: ignore[attr-defined]
    assert store.manifest(BTC, "2021-01")["sources"] == ["ohlcv.csv", "archive.zip"]
    again = store.merge(BTC, rich, "archive.zip")
    assert (again.added, again.partitions_written, len(again.conflicts)) == (0, (), 0)


def test_ohlcv_only_candles_over_the_archive_change_nothing(tmp_path: Path) -> None:
    store, rich = ParquetCandleStore(tmp_path), with_extras(make_candles(300)).take(slice(0, 200))
    store.merge(BTC, rich, "archive.zip")
    before = store.manifest(BTC, "2021-01")
    result = store.merge(BTC, make_candles(300), "ohlcv.csv")  # 100 new minutes, without extras
    assert (result.added, result.unchanged, len(result.conflicts)) == (100, 200, 0)
    loaded = store.load(BTC)
    assert loaded.trades[:200].tolist() == rich.trades.tolist() and np.isnan(loaded.trades[200:]).all()  # type: ignore[attr-defined]
    assert store.manifest(BTC, "2021-01")["content_hash"] != before["content_hash"] and store.verify(BTC) == []
