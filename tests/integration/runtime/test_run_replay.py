"""The main job end to end on real candles from ../shared/data: replay, signals stored and printed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.shared_data

WINDOW = ["--start", "2021-07-09T00:00", "--until", "2021-07-09T06:00"]


def run_cli(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "LOG_FORMAT": "json", **env}
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args], env=full_env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout, check=False)


def stored_rows(url: str) -> list[dict]:
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(sa.text("SELECT * FROM risk_book ORDER BY signal_id"))]
    engine.dispose()
    return rows


def check_run(result: subprocess.CompletedProcess, url: str) -> dict:
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    assert summary["scans"] == 181  # 6 hours at one scan every 2 minutes, both ends included
    assert summary["emitted"] > 0
    rows = stored_rows(url)
    assert len(rows) == summary["emitted"]
    assert {r["mode"] for r in rows} == {"dryrun"}
    assert {r["pair"] for r in rows} <= {"BTCUSDT", "ETHUSDT", "BNBUSDT"}
    for row in rows:
        sign = 1 if row["direction"] == "LONG" else -1
        assert sign * (row["tp_price"] - row["entry_price"]) > 0 < sign * (row["entry_price"] - row["sl_price"])
        assert row["rr_expected"] == pytest.approx(1.5)
    messages = [m for m in result.stderr.split("\n\n") if "[DRY-RUN]" in m]
    assert len(messages) == summary["emitted"]
    assert all(r["signal_id"] in result.stderr for r in rows)
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    emitted = [e for e in events if e["event"] == "signal_emitted"]
    assert len(emitted) == summary["emitted"]
    assert all(e["mode"] == "dryrun" and {"pair", "tier", "conf", "entry", "tp", "sl", "rr", "lat_ms"} <= set(e)
               for e in emitted)
    return summary


def test_replay_run_on_sqlite_stores_and_prints_signals(spot_1m_dir: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/book.db"
    args = ["run", "--replay", str(spot_1m_dir), "--json", *WINDOW]
    summary = check_run(run_cli(args, {"DATABASE_URL": url}, tmp_path), url)
    # running the same replay again records nothing twice
    again = run_cli(args, {"DATABASE_URL": url}, tmp_path)
    assert json.loads(again.stdout)["counts"].get("duplicate") == summary["emitted"]
    assert len(stored_rows(url)) == summary["emitted"]


@pytest.mark.postgres
def test_replay_run_on_postgres_stores_and_prints_signals(spot_1m_dir: Path, tmp_path: Path, pg_url: str) -> None:
    env = {"DATABASE_URL": pg_url, "STORE_BACKEND": "postgres"}
    check_run(run_cli(["run", "--replay", str(spot_1m_dir), "--json", *WINDOW], env, tmp_path), pg_url)


def test_sigterm_stops_after_the_current_scan_with_nothing_half_written(spot_1m_dir: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/book.db"
    env = {**os.environ, "LOG_FORMAT": "json", "DATABASE_URL": url}
    process = subprocess.Popen(
        [sys.executable, "-m", "entrypoints.cli", "run", "--replay", str(spot_1m_dir), "--pairs", "BTCUSDT",
         "--speed", "600", "--json", *WINDOW], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    deadline = time.monotonic() + 60
    while not (tmp_path / "book.db").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err[-2000:]
    summary = json.loads(out)
    assert summary["stopped_early"] is True
    assert 0 < summary["scans"] < 181
    assert len(stored_rows(url)) == summary["emitted"]


def test_a_replay_path_given_that_does_not_exist_is_refused_at_once(tmp_path: Path) -> None:
    # a typo on the command line must not fall back to the store and Binance's retries (the settings'
    # default path does: tests/integration/data/test_offline_replay.py)
    started = time.monotonic()
    result = run_cli(["run", "--replay", str(tmp_path / "nowhere")],
                     {"DATABASE_URL": f"sqlite:///{tmp_path}/b.db", "BINANCE_BASE_URL": "http://127.0.0.1:9"}, tmp_path)
    assert result.returncode == 2
    assert str(tmp_path / "nowhere") in result.stderr and "does not exist" in result.stderr
    assert "no_replay_files" not in result.stderr and time.monotonic() - started < 10
    assert not (tmp_path / "b.db").exists()


def test_a_window_without_candles_is_refused_naming_what_the_files_hold(spot_1m_dir: Path, tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/b.db"}
    for window in (["--start", "2030-01-01"], ["--start", "2010-01-01", "--until", "2010-01-02"]):
        result = run_cli(["run", "--replay", str(spot_1m_dir), "--pairs", "BTCUSDT,BNBUSDT", *window], env, tmp_path)
        assert result.returncode == 2, result.stderr[-2000:]
        assert "no candles to replay from" in result.stderr
        assert "BTCUSDT first candle opens 2018-01-01 00:00" in result.stderr
        assert "BNBUSDT first candle opens 2021-04-02 00:00, last closes 2021-07-10 17:57 UTC" in result.stderr
        assert result.stdout == "" and not (tmp_path / "b.db").exists()  # nothing started
