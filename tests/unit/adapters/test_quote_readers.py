"""The quote file reader: every layout detected by its header, bad rows named by file and line."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest

from adapters.quotes.readers import PandasQuoteFileReader
from application.execution.ports import QuoteFileError

BOOK = "local_ts_ns,event_ms,symbol,update_id,bid,bid_qty,ask,ask_qty\n"
NAUTILUS = "timestamp,symbol,ask_size,ask,bid_size,bid,timestamp_ms\n"


def _write(path: Path, text: str, gz: bool = False) -> str:
    path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    return str(path)


def test_book_ticker_with_recorder_clock(tmp_path: Path) -> None:
    path = _write(tmp_path / "b.csv.gz", BOOK + "1723161254087891268,,BTCUSDT,1,100.0,1,100.5,1\n"
                  "1723161254187891268,,ETHUSDT,2,10.0,1,10.01,1\n", gz=True)
    batch = PandasQuoteFileReader().read(path)
    assert batch.kind == "binance_book_ticker" and batch.symbols == ("BTCUSDT", "ETHUSDT")
    assert batch.time_ms.tolist() == [1723161254087, 1723161254187]
    assert batch.bid.tolist() == [100.0, 10.0] and len(batch.sha256) == 64


def test_book_ticker_with_millisecond_timestamp_and_slashed_symbol(tmp_path: Path) -> None:
    path = _write(tmp_path / "n.csv", NAUTILUS + "2021-01-08 00:00:01.076+00:00,BTC/USDT,0.06,39433.62,0.003,39432.99,"
                  "1610064001076\n")
    batch = PandasQuoteFileReader().read(path)
    assert batch.symbols == ("BTC/USDT",) and batch.time_ms.tolist() == [1610064001076]


def test_mt5_copy_ticks_range_in_server_time(tmp_path: Path) -> None:
    header = "time,bid,ask,last,volume,time_msc,flags,volume_real\n"
    # 2024-07-10 12:00:00.000 on a UTC+3 server clock is 09:00 UTC
    path = _write(tmp_path / "BTCUSD_ticks.csv", header + "1720612800,57000.0,57010.0,0,0,1720612800000,6,0\n")
    batch = PandasQuoteFileReader("Europe/Athens").read(path)
    assert batch.kind == "mt5_ticks" and batch.symbols == ("BTCUSD",)
    assert batch.time_ms.tolist() == [1720612800000 - 3 * 3_600_000]


def test_mt5_terminal_export_fills_unchanged_sides(tmp_path: Path) -> None:
    rows = ["<DATE>\t<TIME>\t<BID>\t<ASK>\t<LAST>\t<VOLUME>\t<FLAGS>",
            "2024.07.10\t09:00:00.100\t57000.0\t\t\t\t2",  # no ask yet: dropped
            "2024.07.10\t09:00:00.200\t\t57010.0\t\t\t4",
            "2024.07.10\t09:00:00.300\t57001.0\t\t\t\t2"]
    path = _write(tmp_path / "ETHUSD_202407100900_202407101000.csv", "\n".join(rows) + "\n")
    batch = PandasQuoteFileReader().read(path)
    assert batch.kind == "mt5_export" and batch.symbols == ("ETHUSD",)
    assert batch.bid.tolist() == [57000.0, 57001.0] and batch.ask.tolist() == [57010.0, 57010.0]


def test_trade_prints_are_recognised_but_carry_no_quotes(tmp_path: Path) -> None:
    path = _write(tmp_path / "t.csv", "local_ts_ns,trade_ms,symbol,price,qty,buyer_is_maker\n1,2,BTCUSDT,1.0,1,True\n")
    batch = PandasQuoteFileReader().read(path)
    assert batch.kind == "trades" and batch.rows == 0 and "no bid/ask" in batch.note


@pytest.mark.parametrize(("row", "line", "why"), [
    ("3,,BTCUSDT,3,101.0,1,100.0,1", 4, "crossed quote: bid 101.0 > ask 100.0"),
    ("3,,BTCUSDT,3,0,1,100.0,1", 4, "zero or negative quote"),
    ("3,,BTCUSDT,3,abc,1,100.0,1", 4, "unreadable bid/ask"),
    ("3,,NOTAPAIR!,3,99.0,1,100.0,1", 4, "is not a pair"),
])
def test_bad_rows_are_named_by_file_and_line(tmp_path: Path, row: str, line: int, why: str) -> None:
    good = "1,,BTCUSDT,1,99.0,1,100.0,1\n2,,BTCUSDT,2,99.0,1,100.0,1\n"
    path = _write(tmp_path / "bad.csv", BOOK + good + row + "\n")
    with pytest.raises(QuoteFileError) as caught:
        PandasQuoteFileReader().read(path)
    assert caught.value.line == line and caught.value.path == path
    assert why in str(caught.value) and f"bad.csv line {line}" in str(caught.value)


def test_unknown_header_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path / "u.csv", "when,price_a,price_b\n1,2,3\n")
    with pytest.raises(QuoteFileError, match=r"u.csv line 1: unknown header 'when,price_a,price_b'"):
        PandasQuoteFileReader().read(path)


def test_truncated_gzip_names_where_the_data_stops(tmp_path: Path) -> None:
    body = BOOK + "".join(f"{i},,BTCUSDT,{i},99.0,1,100.0,1\n" for i in range(1, 5_000))
    packed = gzip.compress(body.encode())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(packed[: len(packed) // 2])
    with pytest.raises(QuoteFileError, match="gzip cut short") as caught:
        PandasQuoteFileReader().read(str(path))
    assert caught.value.line is not None and 1 < caught.value.line < 5_000


def test_row_with_extra_fields_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path / "x.csv", BOOK + "1,,BTCUSDT,1,99.0,1,100.0,1\n2,,BTCUSDT,2,99.0,1,100.0,1,9,9\n")
    with pytest.raises(QuoteFileError, match="line 3"):
        PandasQuoteFileReader().read(path)


def test_locked_quote_is_a_zero_spread_not_an_error(tmp_path: Path) -> None:
    path = _write(tmp_path / "l.csv", BOOK + "1,,BTCUSDT,1,100.0,1,100.0,1\n")
    assert np.array_equal(PandasQuoteFileReader().read(path).bid, [100.0])
