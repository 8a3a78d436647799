"""Kline files published on data.binance.vision (monthly or daily, zip or CSV): 12 columns,
normally no header. Spot files moved from millisecond to microsecond timestamps on 2025-01-01,
so the unit is detected per file."""

from __future__ import annotations

import gzip
import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from application.ingest_lines import pair_from_file_name, parse_lines
from application.ports_data import CandleFileError, CandleFileReader, LineProblem, ParsedFile
from domain.data_quality import COLUMNS, Ohlcv
from domain.data_quality_time import detect_time_unit, to_epoch_ms
from domain.market import Pair

KLINE_FIELDS = (
    "open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "trades",
    "taker_buy_base_volume", "taker_buy_quote_volume", "ignore",
)
_USED = KLINE_FIELDS[:6]
_TYPES = {"open_time": pa.int64(), **{name: pa.float64() for name in _USED[1:]}}


class BinanceArchiveReader(CandleFileReader):
    def read(self, path: str, pair: Pair | None = None) -> ParsedFile:
        pair = pair or pair_from_file_name(path)
        data = _file_bytes(Path(path))
        if not data.strip():
            return ParsedFile.from_rows(path, pair, Ohlcv.empty(), 1)
        has_header = not data[:1].isdigit()
        first_line = 2 if has_header else 1
        candles = _fast(data, has_header)
        if candles is not None:
            problems: list[LineProblem] = []
            lines = np.arange(first_line, first_line + len(candles), dtype=np.int64)
        else:
            text = io.StringIO(data.decode("utf-8", errors="replace"))
            if has_header:
                next(text)
            candles, lines, problems = parse_lines(text, KLINE_FIELDS, first_line)
        unit = detect_time_unit(candles.open_time_ms)
        candles = Ohlcv(to_epoch_ms(candles.open_time_ms, unit), *(getattr(candles, c) for c in COLUMNS[1:]))
        return ParsedFile(path, pair, candles, lines, tuple(problems), unit.code)


def _file_bytes(path: Path) -> bytes:
    try:
        _verify_checksum(path)
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as archive:
                members = [m for m in archive.namelist() if m.endswith(".csv")]
                if len(members) != 1:
                    raise CandleFileError(f"{path}: expected one CSV inside the zip, found {len(members)}")
                return archive.read(members[0])
        raw = path.read_bytes()
        return gzip.decompress(raw) if path.name.endswith(".gz") else raw
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        raise CandleFileError(f"{path}: cannot be read ({exc})") from exc


def _verify_checksum(path: Path) -> None:
    """data.binance.vision publishes <file>.CHECKSUM (sha256) beside each file: check it when present."""
    checksum = path.with_name(path.name + ".CHECKSUM")
    if not checksum.is_file():
        return
    expected = checksum.read_text().split()[0].lower() if checksum.read_text().strip() else ""
    actual = hashlib.sha256(path.read_bytes()).hexdigest()
    if expected != actual:
        raise CandleFileError(f"{path}: sha256 {actual} does not match {checksum.name} ({expected or 'empty'})")


def _fast(data: bytes, has_header: bool) -> Ohlcv | None:
    refused: list[LineProblem] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        refused.append(LineProblem(row.number or 0, "wrong number of fields"))
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=list(KLINE_FIELDS), skip_rows=int(has_header)),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types=_TYPES, include_columns=list(_USED)),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if refused or any(column.null_count for column in table.columns):
        return None
    return Ohlcv(*(table.column(name).to_numpy() for name in _USED))
