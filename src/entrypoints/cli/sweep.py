"""`tradeai sweep --grid sweep.toml [--scheduler ADDRESS | --local N]`: a grid of model options x
walk-forward folds x pairs on Dask, each cell a training run validated (and backtested) on its
fold's validation period; every finished cell appended to <model_dir>/runs.csv as it finishes, a
rerun skipping the cells already there, and the combinations ranked on the metric the grid file
names. Exit codes: 0 every cell done, 1 some cell failed (the others are logged), 2 bad input
(the grid file, the feature set, no dask, an unreachable scheduler)."""

from __future__ import annotations

import tomllib
from functools import partial
from pathlib import Path
from typing import Any

import click

from entrypoints.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    echo_json,
    fail,
    json_option,
    scheduler_options,
    settings_from_context,
)


@click.command()
@click.option("--grid", "grid_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The sweep's TOML file: [sweep], [folds], [grid], [fixed] (docs/scaling.md).")
@scheduler_options
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="DATA_DIR",
              help="Data folder: candles for the validation backtests, feature sets under <data-dir>/features.")
@click.option("--features", "features_at", metavar="PATH|URL",
              help="The feature sets' folder, or an fsspec URL workers copy the set from (default "
                   "<data-dir>/features).")
@click.option("--feature-set", help="Feature set name (default: the grid's, else the one built last).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Model folder (default: the settings' model_dir): runs.csv, and sweeps/<name>/ for the cells.")
@json_option
@click.pass_context
def sweep(ctx: click.Context, grid_path: Path, scheduler: str | None, local_workers: int | None,
          data_dir: Path | None, features_at: str | None, feature_set: str | None, out: Path | None,
          as_json: bool) -> None:
    """Run a hyperparameter x fold x pair sweep on Dask (a local cluster sized to the machine unless
    --scheduler or --local says otherwise). Exit codes: 0 done, 1 some cell failed, 2 bad input."""
    from adapters.dask.executor import DaskCellRunner
    from adapters.torch.runs_log import CsvSweepLog, RunLogError
    from application.sweeps.run import run_sweep
    from domain.sweeps.spec import SweepSpecError
    from entrypoints.cli.features import code_version
    from entrypoints.dask_runs import dask_session
    from entrypoints.sweep_cell import CellPaths, run_cell
    from entrypoints.sweep_output import CellBar, describe, plan_sweep, write_summary

    settings = settings_from_context(ctx).settings
    data = data_dir or Path(settings.candles.data_dir)
    location = features_at or str(data / "features")
    models = out or Path(settings.predictor.model_dir)
    try:
        spec, plan = plan_sweep(grid_path, location, feature_set)
    except (SweepSpecError, OSError, tomllib.TOMLDecodeError, KeyError, ValueError) as exc:
        fail(str(exc), EXIT_USAGE)
    paths = CellPaths.of(settings, location, str(data), str(models / "sweeps" / spec.name), code_version())
    log = CsvSweepLog(models / "runs.csv")
    varied = tuple(name for name, _ in spec.grid)
    try:
        with dask_session(scheduler, local_workers) as client, CellBar(not as_json, len(plan.cells), varied) as bar:
            result = run_sweep(spec, plan.cells, DaskCellRunner(client, partial(run_cell, paths=paths)), log,
                               bar.done)
    except RunLogError as exc:
        fail(str(exc), EXIT_FAILURE)
    payload: dict[str, Any] = {**result.as_dict(), "folds": plan.folds, "dropped_folds": list(plan.dropped),
                               "runs_log": log.location(),
                               "summary": str(write_summary(models / "sweeps" / spec.name, result, plan))}
    if as_json:
        echo_json(payload)
    else:
        click.echo(describe(result, plan, payload["summary"]))
    ctx.exit(EXIT_FAILURE if result.failed else EXIT_OK)
