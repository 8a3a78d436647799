"""Plain OHLCV CSV files: header ``open_time,open,high,low,close,volume``, open time in
milliseconds UTC (another unit is detected per file and converted), gzip or not.

pyarrow parses well-formed files in a few hundred milliseconds; any file it refuses is read again
line by line so that each bad line is reported with its number.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from adapters.common.ohlcv_lines import pair_from_file_name, parse_lines
from application.data.ports import CandleFileError, CandleFileReader, LineProblem, ParsedFile
from domain.market.candles import Pair
from domain.market.quality import COLUMNS, Ohlcv
from domain.market.quality_time import detect_time_unit, to_epoch_ms

HEADER = ("open_time", "open", "high", "low", "close", "volume")
_TYPES = {"open_time": pa.int64(), **{name: pa.float64() for name in HEADER[1:]}}


class OhlcvCsvReader(CandleFileReader):
    def read(self, path: str, pair: Pair | None = None) -> ParsedFile:
        file = Path(path)
        if not file.is_file():
            raise CandleFileError(f"{path}: no such file")
        pair = pair or pair_from_file_name(path)
        header = _header(file)
        missing = [name for name in HEADER if name not in header]
        if missing:
            raise CandleFileError(f"{path}: header must name {','.join(HEADER)} (missing {','.join(missing)})")
        candles = _fast(file, header)
        if candles is not None:
            problems: list[LineProblem] = []
            lines = np.arange(2, len(candles) + 2, dtype=np.int64)
        else:
            with _text(file) as handle:
                next(handle)
                candles, lines, problems = parse_lines(handle, header, 2, [header.index(n) for n in HEADER])
        unit = detect_time_unit(candles.open_time_ms)
        candles = Ohlcv(to_epoch_ms(candles.open_time_ms, unit), *(getattr(candles, c) for c in COLUMNS[1:]))
        return ParsedFile(path, pair, candles, lines, tuple(problems), unit.code)


def _fast(file: Path, header: list[str]) -> Ohlcv | None:
    """Parse with pyarrow; None when anything is off (the careful path then names the lines)."""
    refused: list[LineProblem] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        refused.append(LineProblem(row.number or 0, "wrong number of fields"))
        return "skip"

    try:
        raw = file.read_bytes()
        table = pacsv.read_csv(
            pa.BufferReader(gzip.decompress(raw) if file.name.endswith(".gz") else raw),
            parse_options=pacsv.ParseOptions(invalid_row_handler=on_invalid, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types=_TYPES, include_columns=list(HEADER)),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None
    except (OSError, EOFError) as exc:
        raise CandleFileError(f"{file}: cannot be read ({exc})") from exc
    if refused or any(column.null_count for column in table.columns):
        return None
    return Ohlcv(*(table.column(name).to_numpy() for name in HEADER))


def _header(file: Path) -> list[str]:
    try:
        with _text(file) as handle:
            first = handle.readline()
    except (OSError, EOFError, UnicodeDecodeError) as exc:
        raise CandleFileError(f"{file}: cannot be read ({exc})") from exc
    return [field.strip().lower() for field in first.rstrip("\r\n").split(",")]


@contextmanager
def _text(file: Path) -> Iterator[IO[str]]:
    with gzip.open(file, "rt") if file.name.endswith(".gz") else file.open() as handle:
        yield handle
