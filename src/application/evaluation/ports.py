"""Ports of the evaluation: where a report a person reads goes."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import attrs

from application.evaluation.report import Report


@attrs.frozen
class ReportFiles:
    """What a writer left in its folder: the page, metrics.json (``Evaluation.to_json()``), the images."""

    html: Path
    metrics: Path
    images: tuple[Path, ...] = ()


class ReportWriter(Protocol):
    def write(self, report: Report, directory: Path) -> ReportFiles:
        """Write ``report`` into ``directory`` (created if missing; files of an earlier report replaced).
        Raises OSError when the folder cannot be written."""
        ...
