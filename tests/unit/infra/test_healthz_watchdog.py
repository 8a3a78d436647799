"""The systemd watchdog restarts the runtime when its scans stopped, never because the store is
down, and says so; against a local HTTP server and a recording stand-in for systemctl."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

SCRIPT = Path(__file__).resolve().parents[3] / "infra" / "scripts" / "healthz_watchdog.sh"
STALE = "the last scan was 400 s ago (more than two scan intervals, 240 s)"


@pytest.fixture
def answer() -> Iterator[dict[str, Any]]:
    reply: dict[str, Any] = {"code": 200, "problems": []}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = json.dumps({"status": "ok" if reply["code"] == 200 else "unhealthy",
                               "problems": reply["problems"], "last_scan": "2026-12-04T10:00:00+00:00"}).encode()
            self.send_response(reply["code"])
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    reply["url"] = f"http://127.0.0.1:{server.server_address[1]}/healthz"
    yield reply
    server.shutdown()
    server.server_close()


def _run(tmp_path: Path, url: str) -> tuple[int, str, list[str]]:
    log = tmp_path / "systemctl.log"
    fake = tmp_path / "systemctl"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {log}\nexit 0\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = {**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}", "HEALTHZ_URL": url}
    done = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30, check=False)
    calls = log.read_text().splitlines() if log.exists() else []
    return done.returncode, done.stderr, calls


def test_healthy_does_nothing(tmp_path: Path, answer: dict[str, Any]) -> None:
    assert _run(tmp_path, answer["url"]) == (0, "", [])


def test_stopped_scans_restart_the_runtime(tmp_path: Path, answer: dict[str, Any]) -> None:
    answer.update(code=503, problems=[STALE])
    code, err, calls = _run(tmp_path, answer["url"])
    assert code == 1 and calls == ["restart tradeai.service"] and "scans stopped" in err


def test_a_store_that_is_down_is_reported_not_restarted(tmp_path: Path, answer: dict[str, Any]) -> None:
    answer.update(code=503, problems=["store: OperationalError: connection refused"])
    code, err, calls = _run(tmp_path, answer["url"])
    assert code == 1 and calls == [] and "connection refused" in err


def test_no_answer_restarts_an_active_runtime(tmp_path: Path) -> None:
    code, err, calls = _run(tmp_path, "http://127.0.0.1:9/healthz")
    assert code == 2 and calls == ["is-active --quiet tradeai.service", "restart tradeai.service"]
    assert "no answer" in err
