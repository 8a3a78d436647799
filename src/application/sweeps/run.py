"""Use case: run a sweep's cells that the run log does not hold yet, append each finished cell to
the log as it finishes (a cell that finished is never lost to a later failure), and rank the
grid's combinations on the metric named before the run, over every fold and pair."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from application.sweeps.ports import CellOutcome, CellRunner, SweepLog
from domain.sweeps.spec import Cell, SweepSpec


@attrs.frozen
class Ranked:
    params: dict[str, Any]
    mean: float | None  # over the cells that measured the metric
    worst: float | None
    cells: int
    measured: int


@attrs.frozen
class SweepResult:
    spec: SweepSpec
    cells: int
    skipped: int  # already in the run log from an earlier run
    ran: int
    failed: tuple[CellOutcome, ...]
    ranking: tuple[Ranked, ...]  # best first; combinations with no measured cell last
    seconds: tuple[float, ...] = ()  # each cell run now, as its worker timed it (the per-cell cost)

    @property
    def best(self) -> Ranked | None:
        return self.ranking[0] if self.ranking and self.ranking[0].mean is not None else None

    def as_dict(self) -> dict[str, Any]:
        return {"sweep": self.spec.name, "model": self.spec.model, "metric": self.spec.metric,
                "higher_is_better": self.spec.higher_is_better, "cells": self.cells, "skipped": self.skipped,
                "ran": self.ran, "failed": [{"run_hash": f.cell.run_hash, "fold": f.cell.fold.name,
                                             "pairs": list(f.cell.pairs), "error": f.error} for f in self.failed],
                "ranking": [attrs.asdict(r) for r in self.ranking],
                "cell_seconds": {"median": statistics.median(self.seconds) if self.seconds else None,
                                 "total": round(sum(self.seconds), 3)},
                "best": attrs.asdict(self.best) if self.best else None}


Progress = Callable[[CellOutcome, int, int], None]  # outcome, finished so far, to run


def run_sweep(spec: SweepSpec, cells: Sequence[Cell], runner: CellRunner, log: SweepLog,
              progress: Progress | None = None) -> SweepResult:
    done = log.done()
    todo = [c for c in cells if c.run_hash not in done]
    figures: dict[str, Mapping[str, float | None]] = {h: f for h, f in done.items()}
    failed: list[CellOutcome] = []
    seconds: list[float] = []
    for finished, outcome in enumerate(runner.run(todo), start=1):
        seconds.append(outcome.seconds)
        if outcome.error is None and outcome.row is not None:
            log.append(outcome.row)
            figures[outcome.cell.run_hash] = outcome.figures
        else:
            failed.append(outcome)
        if progress is not None:
            progress(outcome, finished, len(todo))
    return SweepResult(spec, len(cells), len(cells) - len(todo), len(todo), tuple(failed),
                       rank(spec, cells, figures), tuple(seconds))


def rank(spec: SweepSpec, cells: Sequence[Cell], figures: Mapping[str, Mapping[str, float | None]]) -> tuple[
        Ranked, ...]:
    """Each combination's mean and worst value of the metric over its folds and pairs; a cell that
    did not measure it (no trade in its validation backtest, a failure) counts in ``cells`` only."""
    groups: dict[tuple[tuple[str, Any], ...], list[float | None]] = {}
    for cell in cells:
        value = figures.get(cell.run_hash, {}).get(spec.metric)
        groups.setdefault(cell.params, []).append(value if value is not None and math.isfinite(value) else None)
    sign = 1 if spec.higher_is_better else -1
    ranked = []
    for params, values in groups.items():
        measured = [v for v in values if v is not None]
        mean = statistics.fmean(measured) if measured else None
        worst = (min(measured) if spec.higher_is_better else max(measured)) if measured else None
        ranked.append(Ranked(dict(params), mean, worst, len(values), len(measured)))
    return tuple(sorted(ranked, key=lambda r: (r.mean is None, -sign * (r.mean or 0.0))))
