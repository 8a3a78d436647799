"""Use case: import candle files into the store.

Every row is checked before anything is written. By default one bad row (or one row that
contradicts the store) refuses the whole import, so a broken file never leaves half its rows
behind; with ``skip_bad_rows`` the good rows go in and the bad ones are counted and reported.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import PurePath

import attrs
import numpy as np

from application.data.ports import CandleFileReader, CandleStore, ParsedFile
from domain.market.candles import IntArray, Pair, ms_to_datetime
from domain.market.quality import Ohlcv, describe, is_sorted_unique, row_problems
from domain.market.quality_merge import merge_candles

MAX_LISTED_PROBLEMS = 200


@attrs.frozen
class BadRow:
    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}, line {self.line}"
        return f"{where}: {self.reason}"


@attrs.frozen
class FileSummary:
    path: str
    pair: str
    rows: int
    bad_rows: int
    time_unit: str


@attrs.define
class ImportReport:
    files: list[FileSummary] = attrs.Factory(list)
    bad_rows: list[BadRow] = attrs.Factory(list)  # the first MAX_LISTED_PROBLEMS
    bad_row_count: int = 0
    conflict_count: int = 0
    added: dict[str, int] = attrs.Factory(dict)
    unchanged: dict[str, int] = attrs.Factory(dict)
    written: bool = False
    file_order: dict[str, int] = attrs.Factory(dict)  # position of each path on the command line

    @property
    def clean(self) -> bool:
        return self.bad_row_count == 0 and self.conflict_count == 0

    def note(self, problem: BadRow) -> None:
        self.bad_row_count += 1
        self._list(problem)

    def note_conflict(self, problem: BadRow) -> None:
        self.conflict_count += 1
        self._list(problem)

    def finish(self) -> None:
        """List the first problems in file then line order, whatever order the checks found them in."""
        self.bad_rows.sort(key=self._position)
        del self.bad_rows[MAX_LISTED_PROBLEMS:]

    def _list(self, problem: BadRow) -> None:
        # problems arrive check by check (unparsable lines, row checks, conflicts), not line by line:
        # keep a bounded surplus so that the first ones in line order survive the cut in finish()
        self.bad_rows.append(problem)
        if len(self.bad_rows) >= 2 * MAX_LISTED_PROBLEMS:
            self.finish()

    def _position(self, problem: BadRow) -> tuple[int, int]:
        return self.file_order.get(problem.path, len(self.file_order)), -1 if problem.line is None else problem.line


@attrs.frozen(eq=False)
class _Accepted:
    """Good rows of one file sorted by open time, with their line numbers."""

    path: str
    candles: Ohlcv
    lines: IntArray

    def line_of(self, open_time_ms: int) -> int | None:
        at = int(np.searchsorted(self.candles.open_time_ms, open_time_ms))
        if at < len(self.candles) and self.candles.open_time_ms[at] == open_time_ms:
            return int(self.lines[at])
        return None


class ImportCandles:
    def __init__(self, reader: CandleFileReader, store: CandleStore, workers: int | None = None) -> None:
        self._reader = reader
        self._store = store
        self._workers = workers or min(4, os.cpu_count() or 1)

    def __call__(self, paths: Sequence[str], skip_bad_rows: bool = False, pair: Pair | None = None) -> ImportReport:
        report = ImportReport(file_order={path: i for i, path in enumerate(dict.fromkeys(paths))})
        by_pair: dict[Pair, list[_Accepted]] = {}
        # parsing is decompression and C code that release the GIL: files parse side by side
        with ThreadPoolExecutor(max_workers=self._workers) as pool:
            parsed_files = list(pool.map(lambda path: self._reader.read(path, pair), paths))
        for parsed in parsed_files:
            accepted = _check_file(parsed, report)
            by_pair.setdefault(parsed.pair, []).append(accepted)
        incoming = {p: _combine(files, report) for p, files in by_pair.items()}
        if not skip_bad_rows:
            for p, candles in incoming.items():
                self._merge_into_store(p, candles, by_pair[p], report, dry_run=True)
            if not report.clean:
                report.finish()
                return report
        for p, candles in incoming.items():
            self._merge_into_store(p, candles, by_pair[p], report, dry_run=False, source=_sources(by_pair[p]))
        report.written = True
        report.finish()
        return report

    def _merge_into_store(self, pair: Pair, candles: Ohlcv, files: list[_Accepted], report: ImportReport,
                          dry_run: bool, source: str = "") -> None:
        result = self._store.merge(pair, candles, source=source, dry_run=dry_run)
        report.added[pair.symbol] = result.added
        report.unchanged[pair.symbol] = result.unchanged
        for t in result.conflicts.open_time_ms.tolist():
            path, line = _locate(files, t)
            report.note_conflict(BadRow(path, line, f"{_minute(t)} differs from the stored candle"))


def _check_file(parsed: ParsedFile, report: ImportReport) -> _Accepted:
    for problem in parsed.unparsed:
        report.note(BadRow(parsed.path, problem.line, problem.reason))
    flags = row_problems(parsed.candles)
    bad = np.flatnonzero(flags)
    for index in bad[:MAX_LISTED_PROBLEMS].tolist():
        report.note(BadRow(parsed.path, int(parsed.lines[index]), describe(int(flags[index]))))
    report.bad_row_count += max(len(bad) - MAX_LISTED_PROBLEMS, 0)
    good = flags == 0
    candles, lines = (parsed.candles, parsed.lines) if not len(bad) else (parsed.candles.take(good), parsed.lines[good])
    if not is_sorted_unique(candles.open_time_ms):
        order = np.argsort(candles.open_time_ms, kind="stable")
        candles, lines = candles.take(order), lines[order]
    report.files.append(FileSummary(parsed.path, parsed.pair.symbol, len(parsed.candles),
                                    len(bad) + len(parsed.unparsed), parsed.time_unit))
    return _Accepted(parsed.path, candles, lines)


def _combine(files: list[_Accepted], report: ImportReport) -> Ohlcv:
    """Merge the files of one pair; a minute two files disagree on is a bad row of the later one."""
    combined = files[0].candles
    for accepted in files[1:]:
        outcome = merge_candles(combined, accepted.candles)
        for t in outcome.conflicts.open_time_ms.tolist():
            report.note(BadRow(accepted.path, accepted.line_of(t), f"{_minute(t)} differs from an earlier file"))
        combined = outcome.merged
    return combined


def _locate(files: list[_Accepted], open_time_ms: int) -> tuple[str, int | None]:
    for accepted in files:
        line = accepted.line_of(open_time_ms)
        if line is not None:
            return accepted.path, line
    return files[0].path, None


def _sources(files: list[_Accepted]) -> str:
    return ",".join(PurePath(f.path).name for f in files)


def _minute(open_time_ms: int) -> str:
    return f"candle {ms_to_datetime(open_time_ms):%Y-%m-%d %H:%M} UTC"
