from __future__ import annotations

import gzip
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from adapters.binance import BinanceArchiveReader
from adapters.files import OhlcvCsvReader
from application.data.ingest import ImportCandles
from application.data.ports import CandleFileError
from domain.market.candles import Pair, datetime_to_ms
from domain.market.quality import Ohlcv
from tests.fakes.candles import InMemoryCandleStore, make_candles

HEADER = "open_time,open,high,low,close,volume"
MS_2025 = datetime_to_ms(datetime(2025, 1, 1, tzinfo=UTC))


def ohlcv_lines(candles: Ohlcv, scale: int = 1) -> list[str]:
    return [f"{t * scale},{o!r},{h!r},{lo!r},{c!r},{v!r}" for t, o, h, lo, c, v in
            zip(candles.open_time_ms.tolist(), candles.open.tolist(), candles.high.tolist(), candles.low.tolist(),
                candles.close.tolist(), candles.volume.tolist(), strict=True)]


def kline_lines(candles: Ohlcv, scale: int = 1) -> list[str]:
    return [f"{t * scale},{o:.8f},{h:.8f},{lo:.8f},{c:.8f},{v:.8f},{(t + 59_999) * scale},1.0,10,0.5,0.5,0"
            for t, o, h, lo, c, v in zip(candles.open_time_ms.tolist(), candles.open, candles.high, candles.low,
                                         candles.close, candles.volume, strict=True)]


def write(path: Path, lines: list[str]) -> Path:
    text = "\n".join(lines) + "\n"
    if path.name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    elif path.suffix == ".zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr(path.with_suffix(".csv").name, text)
    else:
        path.write_text(text)
    return path


@pytest.mark.parametrize("name", ["BTCUSDT.csv", "BTCUSDT.csv.gz"])
def test_ohlcv_csv_round_trip(tmp_path: Path, name: str) -> None:
    candles = make_candles(500)
    parsed = OhlcvCsvReader().read(str(write(tmp_path / name, [HEADER, *ohlcv_lines(candles)])))
    assert parsed.pair == Pair("BTCUSDT") and parsed.time_unit == "ms"
    assert np.array_equal(parsed.candles.open_time_ms, candles.open_time_ms)
    assert np.array_equal(parsed.candles.close, candles.close)
    assert parsed.lines[:2].tolist() == [2, 3]


def test_ohlcv_csv_in_microseconds_is_converted(tmp_path: Path) -> None:
    candles = make_candles(10)
    parsed = OhlcvCsvReader().read(str(write(tmp_path / "ETHUSDT.csv", [HEADER, *ohlcv_lines(candles, 1000)])))
    assert parsed.time_unit == "us"
    assert np.array_equal(parsed.candles.open_time_ms, candles.open_time_ms)


def test_ohlcv_csv_bad_lines_are_named(tmp_path: Path) -> None:
    lines = [HEADER, *ohlcv_lines(make_candles(10))]
    lines[3] = lines[3].rsplit(",", 2)[0] + ",abc,1.0"  # line 4: non-numeric close
    lines[5] = "1,2,3"  # line 6: too few fields
    lines[7] = ""  # line 8: empty
    parsed = OhlcvCsvReader().read(str(write(tmp_path / "BTCUSDT.csv", lines)))
    problems = {p.line: p.reason for p in parsed.unparsed}
    assert set(problems) == {4, 6, 8}
    assert "close is not a number" in problems[4]
    assert len(parsed.candles) == 7
    assert parsed.lines.tolist() == [2, 3, 5, 7, 9, 10, 11]


def test_ohlcv_csv_without_header_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "BTCUSDT.csv", ohlcv_lines(make_candles(3)))
    with pytest.raises(CandleFileError, match="header"):
        OhlcvCsvReader().read(str(path))


def test_pair_must_come_from_name_or_option(tmp_path: Path) -> None:
    path = write(tmp_path / "candles.csv", [HEADER, *ohlcv_lines(make_candles(3))])
    with pytest.raises(CandleFileError, match="pair"):
        OhlcvCsvReader().read(str(path))
    assert OhlcvCsvReader().read(str(path), Pair("BNBUSDT")).pair == Pair("BNBUSDT")


@pytest.mark.parametrize(("scale", "unit"), [(1, "ms"), (1000, "us")])
def test_binance_archive_zip_detects_unit_per_file(tmp_path: Path, scale: int, unit: str) -> None:
    candles = make_candles(200, MS_2025)
    path = write(tmp_path / "BTCUSDT-1m-2025-01.zip", kline_lines(candles, scale))
    parsed = BinanceArchiveReader().read(str(path))
    assert parsed.time_unit == unit and parsed.pair == Pair("BTCUSDT")
    assert np.array_equal(parsed.candles.open_time_ms, candles.open_time_ms)
    assert np.allclose(parsed.candles.close, candles.close, rtol=1e-8)
    assert parsed.lines[0] == 1


def test_binance_archive_with_header_and_a_bad_line(tmp_path: Path) -> None:
    lines = ["open_time,open,high,low,close,volume,close_time,quote_volume,count,taker_buy_volume,"
             "taker_buy_quote_volume,ignore", *kline_lines(make_candles(20))]
    lines[5] = lines[5].replace(",10,", ",,", 1)[:-2]  # line 6: a field missing
    parsed = BinanceArchiveReader().read(str(write(tmp_path / "ETHUSDT-1m-2021-01.csv", lines)))
    assert [p.line for p in parsed.unparsed] == [6]
    assert len(parsed.candles) == 19 and parsed.lines[0] == 2


def test_months_in_ms_and_us_import_side_by_side(tmp_path: Path) -> None:
    december = make_candles(100, MS_2025 - 100 * 60_000)
    january = make_candles(100, MS_2025, seed=1)
    paths = [write(tmp_path / "BTCUSDT-1m-2024-12.zip", kline_lines(december)),
             write(tmp_path / "BTCUSDT-1m-2025-01.zip", kline_lines(january, 1000))]
    store = InMemoryCandleStore()
    report = ImportCandles(BinanceArchiveReader(), store)([str(p) for p in paths])
    assert report.written and [f.time_unit for f in report.files] == ["ms", "us"]
    stored = store.load(Pair("BTCUSDT")).open_time_ms
    assert len(stored) == 200 and np.all(np.diff(stored) == 60_000)


def test_binance_archive_checksum_is_verified_when_published(tmp_path: Path) -> None:
    import hashlib

    path = write(tmp_path / "BTCUSDT-1m-2021-01-01.zip", kline_lines(make_candles(5)))
    checksum = tmp_path / "BTCUSDT-1m-2021-01-01.zip.CHECKSUM"
    checksum.write_text(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {path.name}\n")
    assert len(BinanceArchiveReader().read(str(path)).candles) == 5
    checksum.write_text(f"{'0' * 64}  {path.name}\n")
    with pytest.raises(CandleFileError, match="does not match"):
        BinanceArchiveReader().read(str(path))
