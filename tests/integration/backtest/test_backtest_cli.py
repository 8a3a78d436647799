"""`tradeai backtest` against `tradeai run --replay` on real candles from ../shared/data: the same
signal ids, the same exits, the same P/L to the cent, with the placeholder costs and with fills
drawn from a metrics file `tradeai exec measure` wrote from the real quotes; and its outputs and
bad-input exits."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from domain.execution.instruments import Instruments
from domain.market.candles import Direction, Pair
from tests.conftest import SHARED_DATA, require_shared_data
from tests.integration.runtime.test_run_replay import run_cli

pytestmark = pytest.mark.shared_data

PAIRS = ["--pairs", "BTCUSDT,ETHUSDT"]
WINDOW = ["2021-07-09T00:00", "2021-07-09T04:00"]
QUOTES = SHARED_DATA / "quotes"
PLACEHOLDER_WARNING = "execution_costs_are_placeholders"


def _data_dir(tmp_path: Path, metrics: bool) -> dict[str, str]:
    """The DATA_DIR setting of the runs, holding a metrics file measured from the real quotes when asked."""
    data_dir = tmp_path / "data"
    if metrics:
        require_shared_data(QUOTES)
        measured = run_cli(["exec", "measure", *map(str, sorted(QUOTES.iterdir())), "--data-dir", str(data_dir)],
                           {}, tmp_path)
        assert measured.returncode == 0, measured.stderr[-2000:]
    return {"DATA_DIR": str(data_dir)}


def _p90_entry_fill(trade: object) -> float:
    spec = Instruments().spec_for(Pair.parse(trade.pair))  # type: ignore[attr-defined]
    return spec.fill_price(trade.entry, Direction(trade.direction), opening=True)  # type: ignore[attr-defined]


def _replayed(url: str) -> tuple[list[dict], float]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(sa.text("SELECT * FROM risk_book ORDER BY signal_id"))]
        state = json.loads(connection.execute(sa.text("SELECT state_json FROM guard_state")).scalar_one())
    engine.dispose()
    return rows, state["state"]["account"]["balance"]


@pytest.mark.parametrize("metrics", [False, True], ids=["placeholder_costs", "measured_costs"])
def test_backtest_equals_the_replay_run_over_the_same_hours(spot_1m_dir: Path, tmp_path: Path, metrics: bool) -> None:
    env = _data_dir(tmp_path, metrics)
    url = f"sqlite:///{tmp_path}/book.db"
    replay = run_cli(["run", "--replay", str(spot_1m_dir), *PAIRS, "--json", "--start", WINDOW[0],
                      "--until", WINDOW[1]], {"DATABASE_URL": url, **env}, tmp_path)
    assert replay.returncode == 0, replay.stderr[-2000:]
    out = tmp_path / "bt"
    result = run_cli(["backtest", "--replay", str(spot_1m_dir), *PAIRS, "--start", WINDOW[0], "--end", WINDOW[1],
                      "--json", "--out", str(out)], env, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    # the exchange's quotes never size the guard: both runs say so once, on stderr
    assert replay.stderr.count(PLACEHOLDER_WARNING) == result.stderr.count(PLACEHOLDER_WARNING) == 1
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
    _check_costs(summary, trades, tmp_path / "data" if metrics else None)
    assert summary["run"]["costs"]["fills"] in (out / "summary.txt").read_text()


def _check_costs(summary: dict, trades: pd.DataFrame, data_dir: Path | None) -> None:
    costs = summary["run"]["costs"]
    assert costs["sizing"] == "placeholder p90 costs"
    at_p90 = [trade.entry_fill == _p90_entry_fill(trade) for trade in trades.itertuples()]
    if data_dir is None:
        assert costs["file"] is None and costs["fills"] == "placeholder p90 costs" and all(at_p90)
        return
    [dated] = sorted(data_dir.glob("execution_metrics_*.json"))
    assert costs["file"] == dated.name and costs["source_kinds"] == ["binance_book_ticker", "quote_bars_1m"]
    assert costs["fills"].startswith(f"sampled by pair x session from {dated.name}")
    assert not any(at_p90)  # the fills drew the measured spreads, not the placeholders


@pytest.mark.parametrize("metrics", [False, True], ids=["placeholder_costs", "measured_costs"])
def test_a_seeded_backtest_run_twice_writes_identical_trades(spot_1m_dir: Path, tmp_path: Path, metrics: bool) -> None:
    env = _data_dir(tmp_path, metrics)
    frames = []
    for name in ("a", "b"):
        args = ["backtest", "--replay", str(spot_1m_dir), "--pairs", "BTCUSDT", "--start", WINDOW[0], "--end",
                WINDOW[1], "--seed", "7", "--json", "--out", str(tmp_path / name)]
        result = run_cli(args, env, tmp_path)
        assert result.returncode == 0, result.stderr[-2000:]
        run = json.loads(result.stdout)["run"]
        assert run["seed"] == run["costs"]["seed"] == 7
        assert (run["costs"]["file"] is not None) == metrics
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


def test_a_report_that_cannot_be_written_exits_1_and_keeps_the_backtest(spot_1m_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    blocked = tmp_path / "a-file" / "report"
    result = run_cli(["backtest", "--replay", str(spot_1m_dir), *PAIRS, "--start", WINDOW[0], "--end", WINDOW[1],
                      "--out", str(tmp_path / "bt"), "--report", str(blocked)], _data_dir(tmp_path, False), tmp_path)
    assert result.returncode == 1
    assert f"cannot write the report to {blocked}" in result.stderr
    summary = json.loads((tmp_path / "bt" / "summary.json").read_text())
    assert len(pd.read_parquet(tmp_path / "bt" / "trades.parquet")) == summary["trades"]
    assert {"baselines", "challenge"} <= set(summary) and "report" not in summary
