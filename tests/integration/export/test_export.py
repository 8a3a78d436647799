"""`tradeai export` after a real replay: the risk book's rows of the window with their mode, the
window's JSON log events, a manifest whose counts and hashes match the files, the lines that are
not JSON events reported, and no run ever overwritten."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from entrypoints.cli import cli
from tests.conftest import SPOT_1M

pytestmark = pytest.mark.shared_data


def test_a_replayed_day_is_exported_with_its_logs(spot_1m_dir: Path, tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/store.db", "LOG_FORMAT": "json", "REPLAY_PATHS": str(SPOT_1M)}
    ran = CliRunner().invoke(cli, ["run", "--pairs", "BTCUSDT,ETHUSDT,BNBUSDT", "--start", "2021-07-09T18:00",
                                   "--until", "2021-07-10T06:00", "--json"], env=env)
    assert ran.exit_code == 0, ran.output
    emitted = json.loads(ran.stdout)["emitted"]
    assert emitted > 0
    logs = tmp_path / "tradeai.log"
    logs.write_text(ran.stderr + "Traceback (most recent call last): not an event\n")
    args = ["export", "--since", "2021-07-09", "--until", "2021-07-11", "--out", str(tmp_path / "out"),
            "--logs", str(logs), "--json"]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    folder = Path(report["folder"])
    assert folder.name == "risk-book_20210709T0000_20210711T0000"
    book = pd.read_parquet(folder / "risk_book.parquet")
    assert len(book) == emitted and set(book["mode"]) == {"dryrun"}
    events = pd.read_parquet(folder / "logs.parquet")
    assert len(events) == 0  # the log's events happened now, not in the market window
    # the signals the console notifier printed to stderr beside the logs, and the traceback line
    not_events = sum(1 for line in ran.stderr.splitlines() if line.strip() and not line.startswith("{")) + 1
    assert report["log_lines_skipped"] == not_events
    manifest = json.loads((folder / "manifest.json").read_text())
    for name, entry in manifest["tables"].items():
        data = (folder / entry["file"]).read_bytes()
        assert entry["sha256"] == hashlib.sha256(data).hexdigest() and entry["rows"] == report["rows"][name]

    now_window = ["export", "--out", str(tmp_path / "now"), "--logs", str(logs), "--since",
                  _first_event(ran.stderr)["timestamp"][:10], "--json"]
    today = CliRunner().invoke(cli, now_window, env=env)
    assert today.exit_code == 0, today.output
    assert json.loads(today.stdout)["rows"]["logs"] > 0  # the run's own events, stamped today
    assert json.loads(today.stdout)["rows"]["risk_book"] == 0

    again = CliRunner().invoke(cli, args, env=env)
    assert again.exit_code == 2 and "already holds an export" in again.output
    missing = CliRunner().invoke(cli, [*args[:-3], "--logs", str(tmp_path / "nope.log")], env=env)
    assert missing.exit_code == 2 and "nope.log" in missing.output


def _first_event(text: str) -> dict[str, str]:
    event: dict[str, str] = json.loads(next(line for line in text.splitlines() if line.startswith("{")))
    return event


def test_the_nightly_script_exports_yesterday(tmp_path: Path) -> None:
    import os
    import shutil
    import subprocess
    from datetime import UTC, datetime, timedelta

    root = Path(__file__).resolve().parents[3]
    tradeai = root / ".venv" / "bin" / "tradeai"
    if shutil.which("bash") is None or not tradeai.exists():
        pytest.skip("needs bash and the project's virtualenv")
    log_file = tmp_path / "tradeai.log"
    log_file.write_text(json.dumps({"timestamp": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
                                    "event": "runtime_started", "level": "info", "mode": "dryrun"}) + "\n")
    env = {**os.environ, "TRADEAI_ENV_FILE": str(tmp_path / "absent.env"), "TRADEAI_BIN": str(tradeai),
           "DATABASE_URL": f"sqlite:///{tmp_path}/store.db", "EXPORT_DIR": str(tmp_path / "exports"),
           "TRADEAI_LOG_FILE": str(log_file)}
    done = subprocess.run(["bash", str(root / "infra" / "scripts" / "nightly_export.sh")], env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr + done.stdout
    yesterday = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y%m%d")
    (folder,) = (tmp_path / "exports").iterdir()
    assert folder.name.startswith(f"risk-book_{yesterday}T0000_")
    assert len(pd.read_parquet(folder / "logs.parquet")) == 1


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A local S3 server (moto's, speaking the S3 wire protocol over HTTP) with one bucket."""
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    env = {"AWS_ENDPOINT_URL": f"http://{host}:{port}", "AWS_ACCESS_KEY_ID": "test-key",
           "AWS_SECRET_ACCESS_KEY": "s3cr3t-never-shown", "AWS_DEFAULT_REGION": "us-east-1"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    client = boto3.client("s3")
    client.create_bucket(Bucket="backups")
    yield client
    server.stop()


def test_an_export_to_s3_lands_complete_and_is_never_overwritten(s3: Any, tmp_path: Path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/store.db"}
    args = ["export", "--since", "2021-07-09", "--until", "2021-07-10", "--out", "s3://backups/nightly", "--json"]
    result = CliRunner().invoke(cli, args, env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["folder"] == "s3://backups/nightly/risk-book_20210709T0000_20210710T0000/"
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="backups")["Contents"]]
    run = "nightly/risk-book_20210709T0000_20210710T0000/"
    assert f"{run}manifest.json" in keys and f"{run}risk_book.parquet" in keys
    manifest = json.loads(s3.get_object(Bucket="backups", Key=f"{run}manifest.json")["Body"].read())
    body = s3.get_object(Bucket="backups", Key=f"{run}risk_book.parquet")["Body"].read()
    assert manifest["tables"]["risk_book"]["sha256"] == hashlib.sha256(body).hexdigest()
    again = CliRunner().invoke(cli, args, env=env)
    assert again.exit_code == 1 and "was exported already" in again.output
    missing = CliRunner().invoke(cli, [*args[:-2], "s3://nobucket/x"], env=env)
    assert missing.exit_code == 1 and "NoSuchBucket" in missing.output
    assert "s3cr3t" not in again.output + missing.output
