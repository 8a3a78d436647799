"""The sweep use case: cells already in the run log are skipped, each finished cell is logged as it
finishes (a failure later loses nothing), a failed cell is reported and not logged, and the grid's
combinations are ranked on the metric named up front, the right way round."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from application.sweeps.ports import CellOutcome, CellRunner, SweepLog
from application.sweeps.run import run_sweep
from domain.sweeps.spec import Cell, SweepSpec, cells_of, fold_splits, parse_spec

FIRST = datetime(2024, 1, 1, tzinfo=UTC)


def spec(metric: str = "validation_accuracy") -> SweepSpec:
    return parse_spec({"sweep": {"name": "s", "model": "lstm", "pairs": ["BTCUSDT"], "metric": metric},
                       "folds": {"train_days": 5, "validate_days": 1, "step_days": 1},
                       "grid": {"hidden": [8, 16]}}, "s.toml")


def cells(sweep: SweepSpec) -> list[Cell]:
    return cells_of(sweep, fold_splits(FIRST, FIRST + timedelta(days=8), sweep.folds, timedelta(minutes=15)),
                    "fs", "h")


class Log(SweepLog):
    def __init__(self, done: Mapping[str, Mapping[str, float | None]] | None = None) -> None:
        self.rows: list[Mapping[str, Any]] = []
        self._done = dict(done or {})

    def append(self, row: Mapping[str, Any]) -> None:
        self.rows.append(row)

    def done(self) -> dict[str, Mapping[str, float | None]]:
        return dict(self._done)

    def location(self) -> str:
        return "memory"


class Runner(CellRunner):
    """Answers each cell's accuracy from its options: 0.5 + hidden / 100 + fold number / 1000."""

    def __init__(self, fail: str | None = None) -> None:
        self.ran: list[str] = []
        self.fail = fail

    def run(self, todo: Sequence[Cell]) -> Iterator[CellOutcome]:
        for cell in reversed(todo):  # any order
            self.ran.append(cell.run_hash)
            if cell.run_hash == self.fail:
                yield CellOutcome(cell, None, {}, "TrainingInputError: too few samples")
                continue
            accuracy = 0.5 + cell.options["hidden"] / 100 + int(cell.fold.name.split()[-1]) / 1000
            yield CellOutcome(cell, {"run_hash": cell.run_hash}, {"validation_accuracy": accuracy,
                                                                  "validation_brier": accuracy / 2})


def test_logged_cells_are_skipped_and_each_finished_cell_is_logged_as_it_finishes() -> None:
    sweep = spec()
    all_cells = cells(sweep)
    first = all_cells[0]
    log = Log({first.run_hash: {"validation_accuracy": 0.9}})
    seen: list[int] = []
    runner = Runner()
    result = run_sweep(sweep, all_cells, runner, log, lambda outcome, done, total: seen.append(len(log.rows)))
    assert first.run_hash not in runner.ran and len(runner.ran) == len(all_cells) - 1
    assert seen == list(range(1, len(all_cells)))  # the log grew before each progress report
    assert (result.cells, result.skipped, result.ran, result.failed) == (len(all_cells), 1, len(all_cells) - 1, ())


def test_the_ranking_uses_the_metric_and_its_direction_and_counts_logged_cells() -> None:
    higher = run_sweep(spec(), cells(spec()), Runner(), Log())
    assert [r.params["hidden"] for r in higher.ranking] == [16, 8]
    assert higher.best is not None and higher.best.measured == higher.best.cells == 3
    assert abs(higher.best.mean - (0.66 + 0.002)) < 1e-12 and abs(higher.best.worst - 0.661) < 1e-12
    lower = run_sweep(spec("validation_brier"), cells(spec("validation_brier")), Runner(), Log())
    assert [r.params["hidden"] for r in lower.ranking] == [8, 16]


def test_a_failed_cell_is_reported_not_logged_and_counts_as_unmeasured() -> None:
    sweep = spec()
    all_cells = cells(sweep)
    broken = all_cells[-1]
    log = Log()
    result = run_sweep(sweep, all_cells, Runner(fail=broken.run_hash), log)
    assert [f.cell.run_hash for f in result.failed] == [broken.run_hash]
    assert broken.run_hash not in [r["run_hash"] for r in log.rows] and len(log.rows) == len(all_cells) - 1
    ranked = {r.params["hidden"]: r for r in result.ranking}
    assert ranked[broken.options["hidden"]].measured == 2 and ranked[broken.options["hidden"]].cells == 3
