"""Dated execution-metrics files in the data folder and the latest-link beside them.

``execution_metrics_YYYY-MM-DD.json`` is never overwritten: it is written to a temporary file and
hard-linked into place, which fails if the name exists, so a same-day rerun takes the next suffix
(``_2``, ``_3``...) even when two runs race. ``execution_metrics.json`` is a relative symlink,
switched by renaming a new link over it (os.replace), so a reader sees the old target or the new.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from adapters.common.atomic_file import atomic_write
from adapters.quotes.metrics_json import from_document, to_document
from application.execution.ports import ExecutionMetrics, MetricsFileError, MetricsStore, StoredMetrics
from domain.execution.instruments import Instruments

LINK_NAME = "execution_metrics.json"
_DATED = re.compile(r"^execution_metrics_(\d{4}-\d{2}-\d{2})(?:_(\d+))?\.json$")


def _order(path: Path) -> tuple[str, int]:
    found = _DATED.match(path.name)
    if found is None:  # only dated names are listed; anything else is a caller's mistake
        raise ValueError(f"{path.name} is not a dated execution metrics file")
    return found.group(1), int(found.group(2) or 1)


class JsonMetricsStore(MetricsStore):
    def __init__(self, folder: Path, instruments: Instruments | None = None) -> None:
        self._folder = folder
        self._instruments = instruments or Instruments()

    @property
    def link(self) -> Path:
        return self._folder / LINK_NAME

    def save(self, metrics: ExecutionMetrics, day: date) -> Path:
        self._folder.mkdir(parents=True, exist_ok=True)
        body = json.dumps(to_document(metrics), indent=1).encode()
        staged = self._folder / f".execution_metrics.{os.getpid()}.staged"
        atomic_write(staged, lambda handle: handle.write(body))
        try:
            suffix = 1
            while True:
                target = self._folder / (f"execution_metrics_{day.isoformat()}"
                                         f"{'' if suffix == 1 else f'_{suffix}'}.json")
                try:
                    os.link(staged, target)
                    break
                except FileExistsError:
                    suffix += 1
        finally:
            staged.unlink(missing_ok=True)
        self._point_to(target)
        return target

    def _point_to(self, target: Path) -> None:
        temporary = self._folder / f".{LINK_NAME}.{os.getpid()}.tmp"
        temporary.unlink(missing_ok=True)
        temporary.symlink_to(target.name)  # relative: the folder may be moved or mounted elsewhere
        temporary.replace(self.link)  # os.replace: the link is switched atomically

    def latest(self) -> StoredMetrics | None:
        if not self.link.is_symlink() and not self.link.exists():
            return None
        target = self.link.resolve()
        try:
            doc = json.loads(target.read_text(encoding="utf-8"))
            return StoredMetrics(target, from_document(doc, self._instruments))
        except FileNotFoundError:
            raise MetricsFileError(f"{self.link} points at {target}, which does not exist") from None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise MetricsFileError(f"{target}: not a readable metrics file ({type(exc).__name__}: {exc})") from None

    def files(self) -> Sequence[Path]:
        if not self._folder.is_dir():
            return []
        return sorted((p for p in self._folder.iterdir() if _DATED.match(p.name)), key=_order)

    def rollback(self, day: str) -> Path:
        wanted = [p for p in self.files() if _DATED.match(p.name) and
                  (p.name == f"execution_metrics_{day}.json" or _order(p)[0] == day)]
        if not wanted:
            known = ", ".join(p.name for p in self.files()) or "none"
            raise MetricsFileError(f"no metrics file for {day} in {self._folder}; files: {known}")
        exact = [p for p in wanted if p.name == f"execution_metrics_{day}.json"]
        target = exact[0] if "_" in day and exact else wanted[-1]
        try:  # never point the link at a file the runtime could not read
            from_document(json.loads(target.read_text(encoding="utf-8")), self._instruments)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise MetricsFileError(f"{target}: not a readable metrics file ({type(exc).__name__}: {exc})") from None
        self._point_to(target)
        return target
