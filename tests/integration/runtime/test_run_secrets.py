"""`tradeai run` against a Postgres that is never up, its password given as a query parameter:
the store_unavailable lines and the final error show the URL masked, the backend read from it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.integration.runtime.test_run_replay import WINDOW, run_cli

pytestmark = pytest.mark.shared_data

URL = "postgresql+psycopg://trader@127.0.0.1:9/book?password=hunter2&sslpassword=hunter3"


def test_an_unreachable_store_is_reported_without_its_query_password(spot_1m_dir: Path, tmp_path: Path) -> None:
    env = {"DATABASE_URL": URL, "STORE_STARTUP_WAIT_SECONDS": "2"}  # no STORE_BACKEND: the URL decides
    result = run_cli(["run", "--replay", str(spot_1m_dir), "--pairs", "BTCUSDT", *WINDOW], env, tmp_path,
                     timeout=60)
    assert result.returncode == 1, result.stderr[-2000:]
    output = result.stdout + result.stderr
    assert "hunter2" not in output and "hunter3" not in output
    waits = [json.loads(line) for line in result.stderr.splitlines()
             if line.startswith("{") and '"store_unavailable"' in line]
    assert waits and all(w["store"].endswith("?password=***&sslpassword=***") for w in waits)
    [final] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert "cannot open the postgres store at postgresql+psycopg://trader@127.0.0.1:9/book?password=***" in final
