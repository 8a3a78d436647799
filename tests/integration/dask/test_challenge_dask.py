"""`tradeai challenge simulate` on Dask workers gives the single-process answer for the same seed,
to the last breach and equity figure; and it fails with exit 2, naming why, when Dask cannot run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from entrypoints.cli import cli
from tests.integration.challenge.test_challenge_cli import _frame

pytestmark = pytest.mark.dask
MONTE_CARLO = ["--mode", "monte-carlo", "--attempts", "3000", "--days", "12", "--seed", "7", "--risk-pct", "2"]


@pytest.fixture
def trades(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env of the project's in the way
    path = tmp_path / "bt" / "trades.parquet"
    path.parent.mkdir()
    _frame(days=20).to_parquet(path, index=False)
    return path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["challenge", "simulate", *args], env={"TRADEAI_CONFIG": None})


def simulated(trades: Path, *args: str) -> dict:
    result = invoke("--trades", str(trades), "--json", *args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    out.pop("seconds")
    return out


def test_monte_carlo_on_two_local_workers_equals_the_single_process_run(trades: Path) -> None:
    alone = simulated(trades, *MONTE_CARLO)
    spread = simulated(trades, *MONTE_CARLO, "--local", "2")
    assert spread == alone
    # attempts that end differently: equal outcomes are not equal by emptiness
    assert alone["outcomes"]["passed"] > 0 and alone["outcomes"]["failed"] + alone["outcomes"]["stopped"] > 0
    assert alone["challenge"]["attempts"] == 3000


def test_a_scheduler_gives_the_same_report_and_another_seed_another_one(trades: Path, scheduler: str,
                                                                       tmp_path: Path) -> None:
    alone = simulated(trades, *MONTE_CARLO, "--report", str(tmp_path / "one"))
    spread = simulated(trades, *MONTE_CARLO, "--scheduler", scheduler, "--report", str(tmp_path / "two"))
    assert spread["outcomes"] == alone["outcomes"] and spread["breaches"] == alone["breaches"]
    one, two = (json.loads((tmp_path / d / "challenge.json").read_text()) for d in ("one", "two"))
    assert one == two
    other = simulated(trades, *MONTE_CARLO[:-4], "--seed", "8", "--risk-pct", "2", "--scheduler", scheduler)
    assert other["final_equity"] != alone["final_equity"]


def test_historical_attempts_on_a_scheduler_equal_the_single_process_run(trades: Path, scheduler: str) -> None:
    args = ("--mode", "historical", "--attempts", "20", "--risk-pct", "2")
    assert simulated(trades, *args, "--scheduler", scheduler) == simulated(trades, *args)


def test_an_unreachable_scheduler_is_exit_2_naming_its_address(trades: Path) -> None:
    import dask.config

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = invoke("--trades", str(trades), "--scheduler", "tcp://127.0.0.1:9")
    assert result.exit_code == 2
    assert "the Dask scheduler at tcp://127.0.0.1:9 cannot be reached" in result.output


def test_scheduler_and_local_together_are_exit_2(trades: Path) -> None:
    result = invoke("--trades", str(trades), "--scheduler", "tcp://127.0.0.1:9", "--local", "2")
    assert result.exit_code == 2 and "not both" in result.output


def test_without_the_dask_extra_local_is_exit_2_saying_what_to_install(trades: Path, tmp_path: Path) -> None:
    # a `distributed` that cannot be imported, first on the path: what a lean install sees
    shadow = tmp_path / "shadow" / "distributed"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('No module named distributed')\n")
    env = {k: v for k, v in os.environ.items() if k != "TRADEAI_CONFIG"}
    env["PYTHONPATH"] = os.pathsep.join([str(shadow.parent), env.get("PYTHONPATH", "")])
    done = subprocess.run([sys.executable, "-m", "entrypoints.cli", "challenge", "simulate", "--trades", str(trades),
                           "--local", "2"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 2, done.stderr[-2000:]
    assert "dask[distributed] is not installed" in done.stderr and "trading-ai[dask]" in done.stderr
    # and without the options nothing needs it
    plain = subprocess.run([sys.executable, "-m", "entrypoints.cli", "challenge", "simulate", "--trades", str(trades),
                            "--json"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert plain.returncode == 0, plain.stderr[-2000:]
