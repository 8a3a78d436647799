"""`tradeai sweep` on Dask over the real feature set (BTCUSDT, 2020-05-22 to 05-30): every cell logged
once to runs.csv with its run hash, a rerun skipping them all, the set read by workers from an fsspec
URL, and a worker killed mid-sweep costing no finished cell and no cell at all."""

from __future__ import annotations

import json
import os
import signal
from functools import partial
from pathlib import Path

from click.testing import CliRunner

from adapters.dask.cluster import dask_client
from adapters.dask.executor import DaskCellRunner
from adapters.torch.runs_log import CsvSweepLog
from application.sweeps.ports import CellOutcome
from application.sweeps.run import run_sweep
from entrypoints.cli import cli
from entrypoints.settings import Settings
from entrypoints.sweep_cell import CellPaths, run_cell
from entrypoints.sweep_output import plan_sweep

GRID = """
[sweep]
name = "tiny"
model = "lstm"
pairs = ["BTCUSDT"]
metric = "{metric}"
seed = 7
backtest = {backtest}

[folds]
train_days = 3
validate_days = 1
step_days = 1
max_folds = {folds}

[grid]
hidden = {hidden}

[fixed]
epochs = 1
max_samples = 300
stride = 5
window = 20
batch = 128
patience = 1
"""


def grid(tmp_path: Path, metric: str = "backtest_net_pnl", backtest: bool = True, folds: int = 2,
         hidden: str = "[8, 16]") -> Path:
    path = tmp_path / "sweep.toml"
    path.write_text(GRID.format(metric=metric, backtest=str(backtest).lower(), folds=folds, hidden=hidden))
    return path


def logged_hashes(runs: Path) -> list[str]:
    import csv

    with runs.open(newline="") as handle:
        return [json.loads(row["params"])["run_hash"] for row in csv.DictReader(handle)]


def test_a_sweep_logs_every_cell_once_and_a_rerun_skips_them(real_data_dir: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    args = ["sweep", "--grid", str(grid(tmp_path)), "--local", "2", "--data-dir", str(real_data_dir),
            "--features", (real_data_dir / "features").as_uri(), "--feature-set", "real", "--out", str(models),
            "--json"]
    first = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    payload = json.loads(first.stdout)
    assert (payload["cells"], payload["ran"], payload["skipped"], payload["failed"]) == (4, 4, 0, [])
    assert payload["metric"] == "backtest_net_pnl" and payload["best"] is not None
    hashes = logged_hashes(models / "runs.csv")
    assert len(hashes) == 4 == len(set(hashes))
    done = CsvSweepLog(models / "runs.csv").done()
    assert all(figures["validation_accuracy"] is not None and "backtest_trades" in figures
               for figures in done.values())  # every cell trained, validated and backtested
    assert json.loads((models / "sweeps" / "tiny" / "summary.json").read_text())["ranking"]

    again = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert (json.loads(again.stdout)["ran"], json.loads(again.stdout)["skipped"]) == (0, 4)
    assert logged_hashes(models / "runs.csv") == hashes


def test_a_worker_killed_mid_sweep_loses_no_cell(real_data_dir: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    spec, plan = plan_sweep(grid(tmp_path, "validation_accuracy", backtest=False, folds=3, hidden="[8, 12, 16]"),
                            str(real_data_dir / "features"), "real")
    paths = CellPaths.of(Settings(), str(real_data_dir / "features"), str(real_data_dir),
                         str(models / "sweeps" / spec.name), "test")
    log = CsvSweepLog(models / "runs.csv")
    killed: list[int] = []
    with dask_client(workers=2) as client:
        def kill_the_other_worker(outcome: CellOutcome, finished: int, total: int) -> None:
            if killed:
                return
            finished_on = int(outcome.worker.rsplit(":", 1)[1])
            busy = [pid for pid in client.run(os.getpid).values() if pid != finished_on]
            os.kill(busy[0], signal.SIGKILL)  # the other worker is mid-cell: its cell must run again
            killed.append(busy[0])

        result = run_sweep(spec, plan.cells, DaskCellRunner(client, partial(run_cell, paths=paths)), log,
                           kill_the_other_worker)
        pids_after = set(client.run(os.getpid).values())
    assert killed and killed[0] not in pids_after
    assert result.failed == () and result.ran == len(plan.cells) == 9
    assert sorted(logged_hashes(models / "runs.csv")) == sorted(c.run_hash for c in plan.cells)
