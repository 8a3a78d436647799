"""`tradeai report TRADES.parquet`: the report of a backtest's files, its exit codes (0 done, 1
failed, 2 bad input) and --json."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from domain.market.candles import MINUTE_MS, datetime_to_ms
from entrypoints.cli import cli
from tests.unit.backtest.records import T0
from tests.unit.reports.builders import backtest_folder, comparison

INSTALL_HINT = "pip install 'trading-ai[report]'"


@pytest.fixture
def trades(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # the default candles.replay_paths is relative: from tmp_path it names nothing
    monkeypatch.chdir(tmp_path)
    return backtest_folder(tmp_path / "bt")


def _report(*args: str) -> Result:
    return CliRunner().invoke(cli, ["report", *args])


def _candles(folder: Path) -> Path:
    """A BTCUSDT candle file over the hours the built trades span."""
    folder.mkdir()
    times = datetime_to_ms(T0) - 60 * MINUTE_MS + MINUTE_MS * np.arange(18 * 60)
    close = 100.0 + np.sin(np.arange(len(times)) / 30)
    pd.DataFrame({"open_time": times, "open": close, "high": close + 0.5, "low": close - 0.5, "close": close,
                  "volume": 1.0}).to_csv(folder / "BTCUSDT.csv", index=False)
    return folder


def test_it_writes_the_report_beside_the_trades_and_says_what_it_found(trades: Path) -> None:
    result = _report(str(trades))
    assert result.exit_code == 0, result.output
    folder = trades.parent / "report"
    assert {"report.html", "metrics.json", "equity.png"} <= {p.name for p in folder.iterdir()}
    assert "fails acceptance; not run: promotion, challenge" in result.output
    assert "rebuilt from closed trades" in result.output
    metrics = json.loads((folder / "metrics.json").read_text())
    assert metrics["run"]["equity"]["note"].startswith("no candle files at")


def test_json_prints_metrics_json(trades: Path, tmp_path: Path) -> None:
    result = _report(str(trades), "--out", str(tmp_path / "out"), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == json.loads((tmp_path / "out" / "metrics.json").read_text())


def test_with_the_candles_the_equity_is_marked_to_market(trades: Path, tmp_path: Path) -> None:
    result = _report(str(trades), "--replay", str(_candles(tmp_path / "candles")), "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.stdout)
    assert metrics["run"]["equity"]["source"] == "candles"
    assert metrics["equity"]["points"] == 24 * 60 + 1  # a point a minute, both ends included


def test_candles_missing_a_traded_pair_fall_back_to_closed_trades(trades: Path, tmp_path: Path) -> None:
    empty = tmp_path / "none"
    empty.mkdir()
    metrics = json.loads(_report(str(trades), "--replay", str(empty), "--json").stdout)
    assert metrics["run"]["equity"]["source"] == "closed_trades"
    assert metrics["run"]["equity"]["note"].startswith("no BTCUSDT candles over the run")


def test_a_baseline_comparison_in_the_summary_goes_into_the_report(trades: Path) -> None:
    summary_file = trades.parent / "summary.json"
    summary = json.loads(summary_file.read_text())
    summary_file.write_text(json.dumps({**summary, "baselines": comparison().as_dict()}))
    result = _report(str(trades), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["baselines"] == json.loads(json.dumps(comparison().as_dict()))


@pytest.mark.parametrize(("damage", "named"), [
    (lambda t: t.unlink(), "does not exist"),
    (lambda t: (t.parent / "summary.json").unlink(), "no summary.json beside"),
    (lambda t: (t.parent / "summary.json").write_text("{not json"), "cannot read"),
    (lambda t: (t.parent / "summary.json").write_text('{"run": {"pairs": []}}'), "has no run start, end"),
    (lambda t: pd.DataFrame({"a": [1]}).to_parquet(t), "lacks the trade columns signal_id, pair"),
    (lambda t: t.write_text("not parquet"), "cannot read"),
    (lambda t: (t.parent / "summary.json").write_text(json.dumps(
        {**json.loads((t.parent / "summary.json").read_text()), "baselines": {"seed": 1}})), "not a baseline comparison"),
    (lambda t: pd.read_parquet(t).assign(confidence=1.5).to_parquet(t), "probability must be within [0, 1]"),
], ids=["no_trades_file", "no_summary", "bad_summary", "summary_without_run", "wrong_columns", "not_parquet",
        "bad_baselines", "bad_row"])
def test_bad_input_exits_2_naming_the_problem(trades: Path, damage, named: str) -> None:  # type: ignore[no-untyped-def]
    damage(trades)
    result = _report(str(trades))
    assert result.exit_code == 2, result.output
    assert named in result.stderr


def test_an_unwritable_folder_exits_1(trades: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = _report(str(trades), "--out", str(blocker / "report"))
    assert result.exit_code == 1 and "cannot write the report" in result.stderr


def test_without_matplotlib_it_exits_1_saying_what_to_install(trades: Path) -> None:
    # a fresh interpreter where importing matplotlib fails, as where the report extra is not installed
    code = ("import sys; sys.modules['matplotlib'] = None; from entrypoints.cli import main; "
            f"main(['report', {str(trades)!r}])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "LOG_FORMAT": "json"})
    assert done.returncode == 1, done.stderr
    assert INSTALL_HINT in done.stderr
