"""The momentum baseline's backtest over a real month of BTC, ETH and BNB (../shared/data), then
`tradeai report` on its files: the report marks equity from the candles and says plainly that the
baseline fails the acceptance gate (the README's screenshot is this report)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.runtime.test_run_replay import run_cli

pytestmark = [pytest.mark.shared_data, pytest.mark.slow]

# the span every one of the three pairs covers (../shared/data/README.md: BNB holds 2021-04..07)
MONTH = ["--pairs", "BTCUSDT,ETHUSDT,BNBUSDT", "--start", "2021-04-15", "--end", "2021-05-15"]


def test_the_baselines_month_report_says_it_fails_the_gates(spot_1m_dir: Path, tmp_path: Path) -> None:
    env = {"DATA_DIR": str(tmp_path / "data")}
    backtest = run_cli(["backtest", "--replay", str(spot_1m_dir), *MONTH, "--out", str(tmp_path / "bt"),
                        "--report", str(tmp_path / "first"), "--json"], env, tmp_path, timeout=240)
    assert backtest.returncode == 0, backtest.stderr[-2000:]
    summary = json.loads(backtest.stdout)
    # the momentum baseline is the strategy here: its baseline row is the same run, the coin toss another
    rows = {row["name"]: row for row in summary["baselines"]["baselines"]}
    assert rows["momentum"]["pnl"] == summary["pnl"] and rows["random"]["predictor"].startswith("random-direction")
    challenge = summary["challenge"]
    assert challenge["attempts"] == 1000 and challenge["challenge"]["mode"] == "monte-carlo"
    first = json.loads((tmp_path / "first" / "metrics.json").read_text())
    assert {"challenge", "acceptance"} <= set(first["failing_gates"]) and first["gates_not_run"] == ["promotion"]
    assert (tmp_path / "first" / "challenge.json").is_file()

    # `tradeai report` on the files alone reads the baselines and the challenges the run recorded
    report = run_cli(["report", str(tmp_path / "bt" / "trades.parquet"), "--replay", str(spot_1m_dir),
                      "--out", str(tmp_path / "report"), "--json"], env, tmp_path)
    assert report.returncode == 0, report.stderr[-2000:]
    metrics = json.loads(report.stdout)
    assert metrics["run"]["equity"]["source"] == "candles"
    assert metrics["trades"] > 0 and metrics["failing_gates"] == first["failing_gates"]
    assert metrics["gates"] == first["gates"] and metrics["baselines"] == first["baselines"]
    assert metrics["equity"]["points"] == 30 * 24 * 60 + 1
    html = (tmp_path / "report" / "report.html").read_text()
    assert "Verdict: fails the challenge and acceptance gates; not run: promotion" in html
