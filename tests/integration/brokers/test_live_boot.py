"""`tradeai run` in live mode refuses to start (exit 2, nothing written) unless a real broker has its
credentials, a model promoted through its gates serves, and the broker answers; one refusal names
every condition unmet. The brokers are the in-process bridge and the local MetaApi server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from entrypoints.cli import cli
from tests.fakes.bridge import running_bridge
from tests.fakes.metaapi_server import FakeMetaApi
from tests.fakes.metatrader5 import FakeMetaTrader5
from tests.fakes.series import random_walk, write_csv

NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)
TOKEN = "a-shared-token-0123456789"
ACCOUNT = "865d3a4d-3803-486d-bdf3-a85679d9fad2"


@pytest.fixture
def terminal() -> FakeMetaTrader5:
    return FakeMetaTrader5(NOW)


@pytest.fixture
def bridge(terminal: FakeMetaTrader5) -> Iterator[str]:
    with running_bridge(terminal, TOKEN, NOW) as url:
        yield url


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, **env: str) -> Result:
    monkeypatch.chdir(tmp_path)
    write_csv(str(tmp_path / "BTCUSDT.csv"), random_walk(NOW, 180, price=60_000.0))
    (tmp_path / "models").mkdir(exist_ok=True)
    base = {"TRADEAI_CONFIG": "", "TRADEAI_MODE": "live", "TRADEAI_PAIRS": "BTCUSDT",
            "DATABASE_URL": f"sqlite:///{tmp_path}/book.db", "MODEL_DIR": str(tmp_path / "models")}
    return CliRunner().invoke(cli, ["run", "--replay", str(tmp_path), "--json"], env=base | env)


def test_live_with_paper_and_the_baseline_names_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_live(tmp_path, monkeypatch)
    assert result.exit_code == 2, result.output
    assert "live mode needs a real broker" in result.output and "no promoted gated model" in result.output
    assert not (tmp_path / "book.db").exists()


def test_missing_credentials_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_live(tmp_path, monkeypatch, BROKER="metaapi", PREDICTOR="torch")
    assert result.exit_code == 2
    assert "broker.metaapi_token" in result.output and "broker.metaapi_account_id" in result.output


def test_one_refusal_names_the_missing_model_and_the_silent_broker(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    result = run_live(tmp_path, monkeypatch, BROKER="mt5-rest", PREDICTOR="torch",
                      MT5_BRIDGE_URL=f"http://127.0.0.1:{closed_port()}", MT5_BRIDGE_TOKEN=TOKEN)
    assert result.exit_code == 2, result.output
    assert "live mode cannot start" in result.output
    assert "no promoted gated model: the registry promotes none" in result.output
    assert "the mt5-rest broker does not answer" in result.output
    assert TOKEN not in result.output and not (tmp_path / "book.db").exists()


def test_a_reachable_bridge_leaves_only_the_model_to_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          bridge: str) -> None:
    result = run_live(tmp_path, monkeypatch, BROKER="mt5-rest", PREDICTOR="torch", MT5_BRIDGE_URL=bridge,
                      MT5_BRIDGE_TOKEN=TOKEN)
    assert result.exit_code == 2, result.output
    assert "no promoted gated model" in result.output and "does not answer" not in result.output


def test_a_metaapi_account_that_refuses_the_token_is_named_without_it(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch,
                                                                      terminal: FakeMetaTrader5) -> None:
    api = FakeMetaApi(terminal, TOKEN, ACCOUNT).start()
    wrong = "not-the-token-9876543210"
    try:
        result = run_live(tmp_path, monkeypatch, BROKER="metaapi", PREDICTOR="torch", METAAPI_TOKEN=wrong,
                          METAAPI_ACCOUNT_ID=ACCOUNT, METAAPI_BASE_URL=api.url)
    finally:
        api.stop()
    assert result.exit_code == 2, result.output
    assert "the metaapi broker does not answer" in result.output and wrong not in result.output


def test_the_gate_itself_names_missing_credentials_when_settings_were_not_checked() -> None:
    import attrs

    from entrypoints.candle_bootstrap import RuntimeFailure
    from entrypoints.container import build_container
    from entrypoints.live_gate import refuse_unready_live
    from entrypoints.settings import Settings

    base = Settings()
    settings = attrs.evolve(base, mode="live", broker=attrs.evolve(base.broker, name="mt5", mt5_login="7"))
    with pytest.raises(RuntimeFailure) as refused:
        refuse_unready_live(build_container(settings), settings, [])
    assert refused.value.usage
    assert "the mt5 broker's credentials are missing: MT5_PASSWORD, MT5_SERVER" in str(refused.value)
    assert "no promoted gated model: PREDICTOR=baseline" in str(refused.value)
    dry = attrs.evolve(settings, mode="dryrun")
    refuse_unready_live(build_container(dry), dry, [])  # dry-run is never gated


def test_config_validate_explains_the_same_refusals_as_the_boot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                bridge: str) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models").mkdir()
    env = {"TRADEAI_CONFIG": "", "TRADEAI_MODE": "live", "DATABASE_URL": f"sqlite:///{tmp_path}/book.db",
           "MODEL_DIR": str(tmp_path / "models"), "BROKER": "mt5-rest", "PREDICTOR": "torch",
           "MT5_BRIDGE_TOKEN": TOKEN}
    unreachable = env | {"MT5_BRIDGE_URL": f"http://127.0.0.1:{closed_port()}"}
    result = CliRunner().invoke(cli, ["config", "validate"], env=unreachable)
    assert result.exit_code == 2
    assert "no promoted gated model" in result.output and "does not answer" in result.output
    assert TOKEN not in result.output
    reachable = CliRunner().invoke(cli, ["config", "validate"], env=env | {"MT5_BRIDGE_URL": bridge})
    assert reachable.exit_code == 2 and "no promoted gated model" in reachable.output
    assert "does not answer" not in reachable.output
    offline = CliRunner().invoke(cli, ["config", "validate", "--offline"], env=unreachable)
    assert offline.exit_code == 0 and "settings are valid" in offline.output
    assert not (tmp_path / "book.db").exists()
