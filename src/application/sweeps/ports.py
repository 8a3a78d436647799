"""What a sweep runs on and writes to."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Protocol

import attrs

from domain.sweeps.spec import Cell


@attrs.frozen
class CellOutcome:
    """A finished cell: its run-log ``row`` and the ``figures`` a sweep ranks on, or why it failed."""

    cell: Cell
    row: Mapping[str, Any] | None
    figures: Mapping[str, float | None]
    error: str | None = None
    seconds: float = 0.0
    worker: str = ""


class CellRunner(Protocol):
    def run(self, cells: Sequence[Cell]) -> Iterator[CellOutcome]:
        """Run ``cells`` and yield each outcome as it finishes, in any order. A cell whose worker
        dies is run again elsewhere; one that raises is yielded with its error, never lost."""
        ...


class SweepLog(Protocol):
    """The run log (models/runs.csv) as a sweep reads and appends it."""

    def append(self, row: Mapping[str, Any]) -> None: ...

    def done(self) -> dict[str, Mapping[str, float | None]]:
        """The figures of every sweep cell already logged, by run hash."""
        ...

    def location(self) -> str: ...
