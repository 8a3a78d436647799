"""Sweep cells on Dask: each cell one task, yielded as it finishes. A worker that dies takes its
running tasks with it; the scheduler runs them again on the others (up to its allowed failures),
so a killed worker costs time, not cells. Finished cells are in the driver's hands already."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from application.sweeps.ports import CellOutcome, CellRunner
from domain.sweeps.spec import Cell


class DaskCellRunner(CellRunner):
    def __init__(self, client: Any, task: Callable[[Cell], CellOutcome]) -> None:
        """``task`` runs on the workers: a module-level function (or a partial of one) that reads its
        data by path; only the cell travels through the scheduler."""
        self._client = client
        self._task = task

    def run(self, cells: Sequence[Cell]) -> Iterator[CellOutcome]:
        from distributed import as_completed

        # keyed by run hash: the scheduler never holds one cell twice, and a resubmitted sweep reuses it
        futures = {self._client.submit(self._task, cell, key=f"sweep-cell-{cell.run_hash}", pure=False): cell
                   for cell in cells}
        for future in as_completed(futures):
            cell = futures[future]
            try:
                outcome: CellOutcome = future.result()
            except Exception as exc:  # KilledWorker after every retry, a task that could not be unpickled...
                outcome = CellOutcome(cell, None, {}, f"{type(exc).__name__}: {exc}")
            future.release()
            yield outcome
