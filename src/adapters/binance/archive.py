"""Kline files published on data.binance.vision (monthly or daily, zip or CSV): 12 columns,
normally no header. Spot files moved from millisecond to microsecond timestamps on 2025-01-01,
so the unit is detected per file. Besides OHLCV the reader keeps the quote asset volume, the
number of trades and the taker-buy base volume (as ``OhlcvExtras``): features use them."""

from __future__ import annotations

import gzip
import hashlib
import io
import zipfile
from pathlib import Path

import attrs
import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from adapters.binance.klines import EXTRA_FIELDS
from adapters.common.ohlcv_lines import pair_from_file_name, parse_lines
from application.data.ports import CandleFileError, CandleFileReader, LineProblem, ParsedFile
from domain.market.candles import FloatArray, IntArray, Pair
from domain.market.extras import EXTRA_COLUMNS, OhlcvExtras
from domain.market.quality import Ohlcv
from domain.market.quality_time import detect_time_unit, to_epoch_ms

KLINE_FIELDS = (
    "open_time", "open", "high", "low", "close", "volume", "close_time", "quote_volume", "trades",
    "taker_buy_base_volume", "taker_buy_quote_volume", "ignore",
)
_USED = KLINE_FIELDS[:6]
_EXTRAS_USED = {name: KLINE_FIELDS[index] for name, index in EXTRA_FIELDS.items()}
_TYPES = {"open_time": pa.int64(), **{name: pa.float64() for name in (*_USED[1:], *_EXTRAS_USED.values())}}


class BinanceArchiveReader(CandleFileReader):
    def read(self, path: str, pair: Pair | None = None) -> ParsedFile:
        pair = pair or pair_from_file_name(path)
        data = _file_bytes(Path(path))
        if not data.strip():
            return ParsedFile.from_rows(path, pair, OhlcvExtras.empty(), 1)
        has_header = not data[:1].isdigit()
        first_line = 2 if has_header else 1
        candles: Ohlcv | None = _fast(data, has_header)
        if candles is not None:
            problems: list[LineProblem] = []
            lines = np.arange(first_line, first_line + len(candles), dtype=np.int64)
        else:
            text = data.decode("utf-8", errors="replace")
            rows = io.StringIO(text)
            if has_header:
                next(rows)
            candles, lines, problems = parse_lines(rows, KLINE_FIELDS, first_line)
            candles = OhlcvExtras.of(candles, _extras_of_lines(text, lines))
        unit = detect_time_unit(candles.open_time_ms)
        candles = attrs.evolve(candles, open_time_ms=to_epoch_ms(candles.open_time_ms, unit))
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


def _extras_of_lines(text: str, lines: IntArray) -> dict[str, FloatArray]:
    """The extras of the lines the careful parser accepted (``lines`` numbers them from 1)."""
    # split as the careful parser iterates (on newlines only), so line numbers agree
    all_lines = text.split("\n")
    out = {name: np.full(len(lines), np.nan) for name in EXTRA_COLUMNS}
    for row, number in enumerate(lines.tolist()):
        fields = all_lines[number - 1].rstrip("\r").split(",")
        for name, index in EXTRA_FIELDS.items():
            out[name][row] = _number(fields[index])
    return out


def _number(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return float("nan")  # an unreadable extra is unknown, not a bad row: OHLCV alone decides that


def _fast(data: bytes, has_header: bool) -> OhlcvExtras | None:
    refused: list[LineProblem] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        refused.append(LineProblem(row.number or 0, "wrong number of fields"))
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=list(KLINE_FIELDS), skip_rows=int(has_header)),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types=_TYPES, include_columns=list(_TYPES)),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    if refused or any(table.column(name).null_count for name in _USED):
        return None
    candles = Ohlcv(*(table.column(name).to_numpy() for name in _USED))
    # an empty extra is unknown (NaN), not a bad row
    return OhlcvExtras.of(candles, {name: table.column(field).to_numpy(zero_copy_only=False)
                                    for name, field in _EXTRAS_USED.items()})
