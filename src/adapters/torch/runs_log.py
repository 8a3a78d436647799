"""The run log, ``models/runs.csv``: one row per training run, appended, never rewritten.

Each row is encoded in full first and added with one ``write`` on a descriptor opened with
O_APPEND, under an exclusive lock (two runs finishing together do not interleave), then fsynced.
A file whose header is not this log's columns is refused rather than appended to, and a last line
left without its newline (a crash elsewhere) is closed before the new row so rows never merge.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from application.models.training.cards import RUN_COLUMNS
from application.models.training.ports import RunLog


class RunLogError(Exception):
    """The run log cannot be appended to; the message names the file."""


def _line(values: Sequence[Any]) -> bytes:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerow(["" if v is None else v for v in values])
    return text.getvalue().encode()


class CsvRunLog(RunLog):
    def __init__(self, path: Path | str, columns: Sequence[str] = RUN_COLUMNS) -> None:
        self.path = Path(path)
        self.columns = tuple(columns)

    def location(self) -> str:
        return str(self.path)

    def append(self, row: Mapping[str, Any]) -> None:
        unknown = sorted(set(row) - set(self.columns))
        if unknown:
            raise RunLogError(f"{self.path}: row has columns the log does not: {', '.join(unknown)}")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = _line([row.get(c) for c in self.columns])
        try:
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        except OSError as exc:
            raise RunLogError(f"{self.path}: cannot open the run log ({exc})") from exc
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX)
            os.write(descriptor, self._prefix() + data)
            os.fsync(descriptor)
        except OSError as exc:
            raise RunLogError(f"{self.path}: cannot append to the run log ({exc})") from exc
        finally:
            os.close(descriptor)

    def _prefix(self) -> bytes:
        """The header for a new file; a newline when the last line was left open; else nothing."""
        size = self.path.stat().st_size
        header = _line(self.columns)
        if size == 0:
            return header
        with self.path.open("rb") as handle:
            first = handle.readline()
            handle.seek(size - 1)
            last = handle.read(1)
        if first != header:
            raise RunLogError(f"{self.path}: its header is not the run log's columns ({', '.join(self.columns)}); "
                              "move it aside")
        return b"" if last == b"\n" else b"\n"


class CsvSweepLog(CsvRunLog):
    """The run log as a sweep reads it: the cells already logged, by the run hash their params hold."""

    def done(self) -> dict[str, Mapping[str, float | None]]:
        if not self.path.exists():
            return {}
        found: dict[str, Mapping[str, float | None]] = {}
        with self.path.open(newline="") as handle:
            for number, row in enumerate(csv.DictReader(handle), start=2):
                try:
                    params, metrics = json.loads(row.get("params") or "{}"), json.loads(row.get("metrics") or "{}")
                except json.JSONDecodeError as exc:
                    raise RunLogError(f"{self.path}: line {number} is not a run-log row ({exc})") from exc
                if isinstance(params, dict) and params.get("run_hash"):
                    found[str(params["run_hash"])] = dict(metrics.get("sweep") or {})
        return found
