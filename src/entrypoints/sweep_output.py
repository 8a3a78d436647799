"""`tradeai sweep` assembled: the grid file read and planned over the feature set, a bar over the
cells with a line per finished cell, the ranking in words, and the summary file."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from types import TracebackType
from typing import Any

from adapters.common.atomic_file import atomic_write
from application.sweeps.plan import SweepPlan, plan_cells
from application.sweeps.ports import CellOutcome
from application.sweeps.run import SweepResult
from domain.sweeps.spec import SweepSpec, SweepSpecError, parse_spec


def plan_sweep(grid: Path, features_at: str, feature_set: str | None) -> tuple[SweepSpec, SweepPlan]:
    from adapters.features.store import ParquetFeatureStore
    from application.models.training.train import newest_set
    from entrypoints.sweep_cell import local_features

    with grid.open("rb") as handle:
        spec = parse_spec(tomllib.load(handle), str(grid))
    name = feature_set or spec.feature_set
    if name is None and "://" in features_at:
        raise SweepSpecError(f"{grid}: name the feature set ([sweep] feature_set or --feature-set) to read it "
                             f"from {features_at}")
    store = ParquetFeatureStore(local_features(features_at, name) if name else Path(features_at))
    name = name or newest_set(store)
    return spec, plan_cells(spec, name, store.manifest(name))


class CellBar:
    """A bar over the cells on stderr, with one line per finished cell."""

    def __init__(self, show: bool, total: int, varied: tuple[str, ...] = ()) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._console = Console(stderr=True, quiet=not show, soft_wrap=True)
        self._progress = Progress(TextColumn("sweep"), BarColumn(), MofNCompleteColumn(), TextColumn("cells"),
                                  TimeElapsedColumn(), console=self._console, disable=not show, transient=True)
        self._task = self._progress.add_task("cells", total=total)
        self._varied = varied

    def __enter__(self) -> CellBar:
        self._progress.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self._progress.stop()

    def done(self, outcome: CellOutcome, finished: int, total: int) -> None:
        self._progress.update(self._task, completed=finished, total=total)
        self._console.print(cell_line(outcome, self._varied), markup=False, highlight=False)


def cell_line(outcome: CellOutcome, varied: tuple[str, ...] = ()) -> str:
    cell = outcome.cell
    options = cell.options
    head = f"{cell.fold.name} {'+'.join(cell.pairs)} " + " ".join(f"{k}={options[k]}" for k in varied)
    if outcome.error is not None:
        return f"{head}: FAILED {outcome.error}"
    figures = ", ".join(f"{k} {_figure(v)}" for k, v in outcome.figures.items())
    return f"{head}: {figures} ({outcome.seconds:.0f} s on {outcome.worker})"


def describe(result: SweepResult, plan: SweepPlan, summary: str) -> str:
    spec = result.spec
    way = "higher" if spec.higher_is_better else "lower"
    lines = [f"sweep {spec.name}: {result.cells} cells ({plan.folds} folds {plan.first:%Y-%m-%d} -> "
             f"{plan.last:%Y-%m-%d}), {result.ran} run, {result.skipped} already in the run log, "
             f"{len(result.failed)} failed",
             f"ranked on {spec.metric} ({way} is better; validation periods only, never a test period):"]
    lines += [f"  {i}. {_figure(r.mean)} mean, {_figure(r.worst)} worst over {r.measured}/{r.cells} cells: "
              + " ".join(f"{k}={v}" for k, v in sorted(r.params.items()) if k in dict(spec.grid))
              for i, r in enumerate(result.ranking, start=1)]
    lines += [f"  dropped {d}" for d in plan.dropped]
    lines += [f"  failed {f.cell.fold.name} {'+'.join(f.cell.pairs)}: {f.error}" for f in result.failed]
    lines.append(f"summary written to {summary}")
    return "\n".join(lines)


def write_summary(folder: Path, result: SweepResult, plan: SweepPlan) -> Path:
    path = folder / "summary.json"
    document: dict[str, Any] = {**result.as_dict(), "folds": plan.folds, "first": plan.first.isoformat(),
                                "last": plan.last.isoformat(), "dropped_folds": list(plan.dropped)}
    payload = json.dumps(document, indent=2, sort_keys=True, default=str).encode()
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(path, lambda handle: handle.write(payload))
    return path


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.4g}"
