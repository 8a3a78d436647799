"""The runtime through the FTMO core on real candles: every emitted signal was sized by the guard
and fits the floors, the kill switch set from the CLI stops every emission and raises alerts, and
a database that is down at start is waited for."""

from __future__ import annotations

import json
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from tests.integration.db.tcp_proxy import TcpProxy
from tests.integration.runtime.test_run_replay import WINDOW, run_cli, stored_rows

pytestmark = pytest.mark.shared_data


def events(stderr: str) -> list[dict]:
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def test_every_signal_is_sized_and_the_paper_account_stays_above_the_internal_floors(
        spot_1m_dir: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/book.db"
    result = run_cli(["run", "--replay", str(spot_1m_dir), "--json", *WINDOW], {"DATABASE_URL": url}, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    rows = stored_rows(url)
    assert rows and all(r["size"] is not None and 0 < r["size"] <= 5 for r in rows)
    account = summary["account"]
    assert account["equity"] >= account["internal_daily_floor"] and account["equity"] >= account["internal_total_floor"]
    closed = [r for r in rows if r["result"] is not None]
    assert sum(summary["closed"].values()) == len(closed) > 0
    assert all(r["exit_price"] > 0 and r["r_realized"] is not None for r in closed)
    # rate limit: never more than 10 signals in any rolling hour
    times = sorted(datetime.fromisoformat(str(r["entry_time"])) for r in rows)
    assert all((times[i + 10] - times[i]).total_seconds() >= 3600 for i in range(len(times) - 10))


def test_kill_switch_from_the_cli_stops_every_emission_with_an_alert(spot_1m_dir: Path, tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/book.db"}
    switched = run_cli(["guard", "kill-switch", "on", "--reason", "news at 14:30", "--by", "test"], env, tmp_path)
    assert switched.returncode == 0, switched.stderr
    result = run_cli(["run", "--replay", str(spot_1m_dir), "--json", *WINDOW], env, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads(result.stdout)
    assert summary["emitted"] == 0 and summary["denials"]["kill_switch"] > 0
    assert summary["alerts"]["kill_switch_attempt"] == summary["denials"]["kill_switch"]
    assert stored_rows(env["DATABASE_URL"]) == []
    alerts = [e for e in events(result.stderr) if e["event"] == "alert"]
    assert alerts and all("kill switch" in e["message"] for e in alerts)
    assert "KILL SWITCH" in result.stderr  # the alert reached the notifier
    status = json.loads(run_cli(["guard", "status", "--json"], env, tmp_path).stdout)
    assert status["controls"]["kill_switch"] is True and status["changes"][0]["by"] == "test"


@pytest.mark.postgres
def test_a_database_down_at_start_is_waited_for_then_the_run_goes_on(spot_1m_dir: Path, tmp_path: Path,
                                                                     pg_url: str) -> None:
    with TcpProxy(("127.0.0.1", 5432)) as proxy:
        proxy.cut()
        url = pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}")
        env = {"DATABASE_URL": url, "STORE_BACKEND": "postgres", "STORE_STARTUP_WAIT_SECONDS": "60"}
        # restore only once the runtime has been turned away: a slow start must not miss the outage
        def restore_after_a_refusal() -> None:
            if proxy.refused.wait(60):
                time.sleep(2.0)
            proxy.restore()

        threading.Thread(target=restore_after_a_refusal, daemon=True).start()
        started = time.monotonic()
        result = run_cli(["run", "--replay", str(spot_1m_dir), "--pairs", "BTCUSDT", "--json", *WINDOW], env,
                         tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert time.monotonic() - started >= 2
    waits = [e for e in events(result.stderr) if e["event"] == "store_unavailable"]
    assert waits and all(e["level"] == "error" and e["error"] for e in waits)
    assert len(stored_rows(pg_url)) == json.loads(result.stdout)["emitted"] > 0


def test_a_database_that_never_comes_up_stops_the_runtime_with_exit_1(spot_1m_dir: Path, tmp_path: Path) -> None:
    env = {"DATABASE_URL": "postgresql+psycopg://u:hunter2@127.0.0.1:9/x", "STORE_BACKEND": "postgres",
           "STORE_STARTUP_WAIT_SECONDS": "2"}
    result = run_cli(["run", "--replay", str(spot_1m_dir), *WINDOW], env, tmp_path, timeout=60)
    assert result.returncode == 1
    assert "cannot open the postgres store" in result.stderr and "hunter2" not in result.stderr
    assert any(e["event"] == "store_unavailable" for e in events(result.stderr))
