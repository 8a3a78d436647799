"""The careful path for candle files the fast parser refused: line by line, so that every
unusable line is named with its number and the usable ones are kept."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import PurePath

import numpy as np

from application.data.ports import CandleFileError, LineProblem
from domain.market.candles import IntArray, Pair
from domain.market.quality import Ohlcv

_SEPARATORS = re.compile(r"[-.]")


def pair_from_file_name(path: str) -> Pair:
    """BTCUSDT.csv.gz, BTCUSDT-1m-2024-01.zip, BTC_USDT-1m.csv -> BTCUSDT."""
    token = _SEPARATORS.split(PurePath(path).name, maxsplit=1)[0]
    try:
        return Pair.parse(token)
    except ValueError:
        raise CandleFileError(f"{path}: cannot tell the pair from the file name; name it like BTCUSDT-....csv "
                              "or give the pair explicitly") from None


def parse_lines(lines: Iterable[str], names: Sequence[str], first_line: int,
                columns: Sequence[int] = (0, 1, 2, 3, 4, 5)) -> tuple[Ohlcv, IntArray, list[LineProblem]]:
    """Rows of comma-separated numbers; ``columns`` picks open time, open, high, low, close, volume."""
    rows: list[list[float]] = []
    numbers: list[int] = []
    problems: list[LineProblem] = []
    for number, line in enumerate(lines, start=first_line):
        fields = line.rstrip("\r\n").split(",")
        if len(fields) != len(names):
            problems.append(LineProblem(number, f"expected {len(names)} fields, got {len(fields)}"))
            continue
        row, problem = _numbers(fields, names, columns)
        if problem:
            problems.append(LineProblem(number, problem))
        else:
            rows.append(row)
            numbers.append(number)
    table = np.array(rows, dtype=np.float64).reshape(len(rows), len(columns))
    candles = Ohlcv(table[:, 0].astype(np.int64), *(table[:, i] for i in range(1, len(columns))))
    return candles, np.array(numbers, dtype=np.int64), problems


def _numbers(fields: Sequence[str], names: Sequence[str], columns: Sequence[int]) -> tuple[list[float], str]:
    row: list[float] = []
    for index in columns:
        text = fields[index].strip()
        try:
            value = float(text)
        except ValueError:
            return [], f"{names[index]} is not a number: {text[:40]!r}"
        if index == columns[0] and not value.is_integer():
            return [], f"{names[index]} is not a whole number: {text[:40]!r}"
        row.append(value)
    return row, ""
