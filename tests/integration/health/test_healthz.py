"""`GET /healthz` over real HTTP against a real Postgres: 200, then 503 when the store stops
answering (the connection runs through a proxy the test cuts), then 200 again when it returns."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from adapters.health import HealthServer
from adapters.sql import StorePing
from application.runtime.health import HealthMonitor, Served
from tests.integration.db.tcp_proxy import TcpProxy

POSTGRES = ("127.0.0.1", 5432)


@pytest.fixture
def proxy() -> Iterator[TcpProxy]:
    try:
        socket.create_connection(POSTGRES, timeout=1).close()
    except OSError:
        pytest.skip("Postgres is not running on 127.0.0.1:5432")
    with TcpProxy(POSTGRES) as proxy:
        yield proxy


def test_healthz_goes_503_when_the_store_stops_and_back_when_it_returns(proxy: TcpProxy) -> None:
    engine = sa.create_engine(f"postgresql+psycopg://postgres@127.0.0.1:{proxy.port}/test", pool_pre_ping=True,
                              connect_args={"connect_timeout": 2})
    monitor = HealthMonitor(Served("dryrun", "paper", "torch:lstm_btc=v1.0.0"), timedelta(minutes=2),
                            StorePing(engine), lambda: datetime.now(UTC))
    server = HealthServer("127.0.0.1", 0, monitor.report).start()
    url = f"http://127.0.0.1:{server.port}/healthz"
    try:
        monitor.scanned(datetime(2025, 6, 1, tzinfo=UTC))
        up = httpx.get(url, timeout=10)
        assert up.status_code == 200 and up.json()["store"] == "ok" and up.json()["model"] == "torch:lstm_btc=v1.0.0"
        proxy.cut()
        down = httpx.get(url, timeout=10)
        assert down.status_code == 503 and down.json()["store"] == "down"
        assert down.json()["problems"][0].startswith("store: OperationalError")
        assert "postgres@" not in down.text  # the URL's user and host never leak with a password
        proxy.restore()
        assert httpx.get(url, timeout=10).status_code == 200
        assert httpx.get(f"http://127.0.0.1:{server.port}/metrics", timeout=10).status_code == 404
    finally:
        server.stop()
        engine.dispose()


def test_a_broken_check_is_answered_503_not_a_crash() -> None:
    def broken() -> None:
        raise RuntimeError("boom")

    server = HealthServer("127.0.0.1", 0, broken).start()  # type: ignore[arg-type]
    try:
        answer = httpx.get(f"http://127.0.0.1:{server.port}/healthz", timeout=10)
        assert answer.status_code == 503 and answer.json()["problems"] == ["health check failed: RuntimeError"]
    finally:
        server.stop()


def test_the_runtime_serves_healthz_on_its_settings_and_refuses_a_taken_port(tmp_path: Path) -> None:
    import structlog

    from entrypoints.candle_bootstrap import RuntimeFailure
    from entrypoints.container import build_container
    from entrypoints.health_boot import start_health
    from entrypoints.settings import load_settings

    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/store.db", "HEALTH_PORT": str(port)}
    settings = load_settings(dotenv_path=None, environ=env).settings
    root = build_container(settings)
    with pytest.raises(RuntimeFailure, match=f"cannot serve /healthz on 127.0.0.1:{port} \\(HEALTH_BIND, HEALTH_PORT\\)"):
        start_health(root, settings, "baseline", structlog.get_logger())
    taken.close()
    health = start_health(root, settings, "baseline-momentum-k0.5", structlog.get_logger())
    try:
        health.scanned(datetime(2021, 7, 9, 18, 0, tzinfo=UTC))
        body = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=10).json()
        assert body["status"] == "ok" and body["mode"] == "dryrun" and body["broker"] == "paper"
        assert body["last_scan"] == "2021-07-09T18:00:00+00:00"
    finally:
        health.close()
