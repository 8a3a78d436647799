"""The daily accuracy history as JSON lines (``models/monitor_history.jsonl`` by default).

Append-safe rather than rewritten: each batch is one ``write`` on a file opened with O_APPEND,
then fsync'd, so concurrent writers (the runtime's daily check and a person's ``tradeai model
monitor``) never overwrite each other and a crash can tear at most the batch being written. A torn
or foreign line is skipped when read (and counted in ``skipped``), so it costs only the day it
held, which the next run scores again; the records before it are never touched.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path

from application.models.monitor_ports import AccuracyHistory, MonitorSourceError
from domain.models.triggers import DailyAccuracy


class JsonlAccuracyHistory(AccuracyHistory):
    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.skipped = 0  # unreadable lines met by the last read

    def append(self, records: Sequence[DailyAccuracy]) -> None:
        if not records:
            return
        payload = "".join(json.dumps(r.as_dict(), sort_keys=True) + "\n" for r in records).encode()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                self._write_all(fd, self._after_torn_line(fd) + payload)
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise MonitorSourceError(f"accuracy history {self.path}: cannot append ({exc.strerror or exc})") from exc

    def read(self, model: str) -> Sequence[DailyAccuracy]:
        try:
            lines = self.path.read_text(encoding="utf-8", errors="replace").splitlines()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise MonitorSourceError(f"accuracy history {self.path}: unreadable ({exc.strerror or exc})") from exc
        self.skipped = 0
        records = []
        for line in lines:
            record = self._parse(line)
            if record is not None and record.model == model:
                records.append(record)
        return records

    def _parse(self, line: str) -> DailyAccuracy | None:
        if not line.strip():
            return None
        try:
            return DailyAccuracy.from_dict(json.loads(line))
        except (ValueError, KeyError, TypeError):
            self.skipped += 1
            return None

    @staticmethod
    def _after_torn_line(fd: int) -> bytes:
        """A newline first when a crashed writer left the last line unfinished, so that line stays
        the only one lost."""
        size = os.fstat(fd).st_size
        return b"\n" if size and os.pread(fd, 1, size - 1) != b"\n" else b""

    @staticmethod
    def _write_all(fd: int, payload: bytes) -> None:
        # a regular file takes the whole buffer in one write; the loop covers a short write anyway
        view = memoryview(payload)
        while view:
            written = os.write(fd, view)
            view = view[written:]
