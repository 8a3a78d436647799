"""`tradeai backtest` against `tradeai run --replay` on real candles from ../shared/data: the same
signal ids, the same exits, the same P/L to the cent; and its outputs and bad-input exits."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from tests.integration.runtime.test_run_replay import run_cli

pytestmark = pytest.mark.shared_data

PAIRS = ["--pairs", "BTCUSDT,ETHUSDT"]
WINDOW = ["2021-07-09T00:00", "2021-07-09T04:00"]


def _replayed(url: str) -> tuple[list[dict], float]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(sa.text("SELECT * FROM risk_book ORDER BY signal_id"))]
        state = json.loads(connection.execute(sa.text("SELECT state_json FROM guard_state")).scalar_one())
    engine.dispose()
    return rows, state["state"]["account"]["balance"]


def test_backtest_equals_the_replay_run_over_the_same_hours(spot_1m_dir: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/book.db"
    replay = run_cli(["run", "--replay", str(spot_1m_dir), *PAIRS, "--json", "--start", WINDOW[0],
                      "--until", WINDOW[1]], {"DATABASE_URL": url}, tmp_path)
    assert replay.returncode == 0, replay.stderr[-2000:]
    out = tmp_path / "bt"
    result = run_cli(["backtest", "--replay", str(spot_1m_dir), *PAIRS, "--start", WINDOW[0], "--end", WINDOW[1],
                      "--json", "--out", str(out)], {}, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    trades = pd.read_parquet(out / "trades.parquet")
    rows, balance = _replayed(url)
    assert summary["trades"] == len(trades) > 5
    assert sorted(trades.signal_id) == sorted(r["signal_id"] for r in rows if r["exit_time"] is not None)
    assert summary["open_at_end"] == sum(1 for r in rows if r["exit_time"] is None)
    by_id = {r["signal_id"]: r for r in rows}
    for trade in trades.itertuples():
        row = by_id[trade.signal_id]
        stored = row["exit_time"] if isinstance(row["exit_time"], datetime) else datetime.fromisoformat(row["exit_time"])
        assert datetime.fromisoformat(trade.exit_at).replace(tzinfo=None) == stored.replace(tzinfo=None)
        assert trade.exit_fill == row["exit_price"]
        assert trade.r_multiple == pytest.approx(row["r_realized"], abs=1e-9)
    assert summary["pnl"] == round(balance - 100_000.0, 2)  # to the cent
    assert json.loads((out / "summary.json").read_text())["trades"] == summary["trades"]
    assert "trades" in (out / "summary.txt").read_text()


def test_a_seeded_backtest_run_twice_writes_identical_trades(spot_1m_dir: Path, tmp_path: Path) -> None:
    frames = []
    for name in ("a", "b"):
        args = ["backtest", "--replay", str(spot_1m_dir), "--pairs", "BTCUSDT", "--start", WINDOW[0], "--end",
                WINDOW[1], "--seed", "7", "--json", "--out", str(tmp_path / name)]
        result = run_cli(args, {}, tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        assert json.loads(result.stdout)["run"]["seed"] == 7
        frames.append(pd.read_parquet(tmp_path / name / "trades.parquet").drop(columns=["latency_ms"]))
    pd.testing.assert_frame_equal(frames[0], frames[1])


@pytest.mark.parametrize(("args", "named"), [
    (["--start", "2021-07-09T04:00", "--end", "2021-07-09T00:00"], "--start"),
    (["--start", "2030-01-01", "--end", "2030-01-02"], "no BTCUSDT candles between"),
    (["--pairs", "DOGEUSDT", "--start", "2021-07-09", "--end", "2021-07-10"], "no DOGEUSDT candles between"),
    (["--predictor", "oracle", "--start", "2021-07-09", "--end", "2021-07-10"], "--predictor"),
    (["--start", "yesterday", "--end", "2021-07-10"], "--start"),
])
def test_bad_input_exits_2_naming_it(spot_1m_dir: Path, tmp_path: Path, args: list[str], named: str) -> None:
    base = ["backtest", "--replay", str(spot_1m_dir), "--out", str(tmp_path / "bt")]
    if "--pairs" not in args:
        base += ["--pairs", "BTCUSDT"]
    result = run_cli([*base, *args], {}, tmp_path)
    assert result.returncode == 2, result.stderr[-2000:]
    assert named in result.stderr
    assert not (tmp_path / "bt").exists()
