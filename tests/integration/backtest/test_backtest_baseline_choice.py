"""`tradeai backtest --predictor random` on real candles: the seeded random-direction baseline runs
through the same engine, and every trade records its sessions and whether its call was right."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.integration.runtime.test_run_replay import run_cli

pytestmark = pytest.mark.shared_data

ARGS = ["--pairs", "BTCUSDT,ETHUSDT", "--start", "2021-07-09T00:00", "--end", "2021-07-09T12:00", "--json"]


def _run(spot_1m_dir: Path, tmp_path: Path, out: str, seed: str) -> tuple[dict, pd.DataFrame]:
    result = run_cli(["backtest", "--replay", str(spot_1m_dir), *ARGS, "--predictor", "random", "--seed", seed,
                      "--out", str(tmp_path / out)], {"DATA_DIR": str(tmp_path / "data")}, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout), pd.read_parquet(tmp_path / out / "trades.parquet")


def test_the_random_baseline_backtests_with_its_seed_and_labels_each_call(spot_1m_dir: Path, tmp_path: Path) -> None:
    summary, trades = _run(spot_1m_dir, tmp_path, "a", "7")
    assert summary["run"]["predictor"] == "random-direction-seed7-p0.55" and summary["run"]["seed"] == 7
    assert len(trades) == summary["trades"] > 0
    assert set(trades.tier) == {"LOW"} and (trades.confidence == 0.55).all()
    assert (trades.horizon_minutes == 15).all() and trades.direction_right.notna().all()
    assert set(trades.session) <= {"tokyo", "london", "new_york", "london+new_york", "off_hours",
                                   "tokyo+london"}
    again, repeated = _run(spot_1m_dir, tmp_path, "b", "7")
    assert list(repeated.signal_id) == list(trades.signal_id) and again["pnl"] == summary["pnl"]
