"""The live brokers' settings: parsed from the environment, each problem named by key, the bridge
token a secret, and each live broker accepted once its credentials are there."""

from __future__ import annotations

from pathlib import Path

import pytest

from entrypoints.settings import Secret, SettingsError, load_settings

BRIDGE_TOKEN = "bridge-secret-0123456789"


def problems(**env: str) -> dict[str, str]:
    with pytest.raises(SettingsError) as info:
        load_settings(config_path=None, dotenv_path=None, environ=env)
    return {p.key: str(p) for p in info.value.problems}


def test_the_broker_settings_come_from_the_environment() -> None:
    b = load_settings(config_path=None, dotenv_path=None, environ={
        "BROKER_SYMBOLS": "BTCUSDT=BTCUSD.r,ETHUSDT=ETHUSD.r,BNBUSDT=BNBUSD.r", "BROKER_MAGIC": "42",
        "BROKER_DEVIATION_BPS": "15", "MT5_BRIDGE_URL": "http://10.0.0.5:8765", "MT5_BRIDGE_TOKEN": BRIDGE_TOKEN,
        "MT5_BRIDGE_BIND": "10.0.0.5", "MT5_BRIDGE_PORT": "9000", "METAAPI_REGION": "london"}).settings.broker
    assert b.symbols == ("BTCUSDT=BTCUSD.r", "ETHUSDT=ETHUSD.r", "BNBUSDT=BNBUSD.r")
    assert (b.magic, b.deviation_bps, b.mt5_bridge_port, b.metaapi_region) == (42, 15.0, 9000, "london")
    assert isinstance(b.mt5_bridge_token, Secret) and b.mt5_bridge_token.reveal() == BRIDGE_TOKEN
    assert BRIDGE_TOKEN not in repr(b)


def test_mt5_rest_needs_its_bridge() -> None:
    found = problems(BROKER="mt5-rest")
    assert "required when broker.name is mt5-rest" in found["broker.mt5_bridge_url"]
    assert "required when broker.name is mt5-rest" in found["broker.mt5_bridge_token"]
    assert "broker.name" not in found
    wired = load_settings(config_path=None, dotenv_path=None, environ={
        "BROKER": "mt5-rest", "MT5_BRIDGE_URL": "http://10.0.0.5:8765", "MT5_BRIDGE_TOKEN": BRIDGE_TOKEN})
    assert wired.settings.broker.name == "mt5-rest"


@pytest.mark.parametrize("env", [
    {"BROKER": "mt5", "MT5_LOGIN": "1", "MT5_PASSWORD": "x", "MT5_SERVER": "s"},
    {"BROKER": "metaapi", "METAAPI_TOKEN": "t", "METAAPI_ACCOUNT_ID": "a"},
])
def test_the_live_brokers_are_accepted_with_their_credentials(env: dict[str, str]) -> None:
    assert load_settings(config_path=None, dotenv_path=None, environ=env).settings.broker.name == env["BROKER"]


def test_live_mode_names_the_three_real_brokers() -> None:
    assert "mt5, mt5-rest or metaapi" in problems(TRADEAI_MODE="live")["mode"]


@pytest.mark.parametrize(("env", "key", "says"), [
    ({"BROKER_SYMBOLS": "BTCUSDT"}, "broker.symbols", "PAIR=SYMBOL"),
    ({"BROKER_MAGIC": "0"}, "broker.magic", "positive"),
    ({"BROKER_DEVIATION_BPS": "-1"}, "broker.deviation_bps", "0 to 500"),
    ({"BROKER_TIMEOUT_SECONDS": "0"}, "broker.timeout_seconds", "> 0"),
    ({"MT5_BRIDGE_PORT": "70000"}, "broker.mt5_bridge_port", "TCP port"),
    ({"MT5_BRIDGE_TOKEN": "shortsecretval"}, "broker.mt5_bridge_token", "= *** (from env:MT5_BRIDGE_TOKEN): must be at least 16"),
    ({"MT5_BRIDGE_URL": "10.0.0.5:8765"}, "broker.mt5_bridge_url", "http://"),
    ({"METAAPI_BASE_URL": "ftp://x"}, "broker.metaapi_base_url", "http://"),
    ({"BROKER": "mt5", "BROKER_SYMBOLS": "BTCUSDT=BTCUSD"}, "broker.symbols", "no broker symbol for ETHUSDT, BNBUSDT"),
])
def test_each_bad_broker_setting_is_named(env: dict[str, str], key: str, says: str) -> None:
    found = problems(**env)
    assert says in found[key] and "shortsecretval" not in found[key]


def test_the_bridge_token_is_masked_by_config_show(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from entrypoints.cli import cli

    monkeypatch.chdir(tmp_path)
    shown = CliRunner().invoke(cli, ["config", "show"], env={"MT5_BRIDGE_TOKEN": BRIDGE_TOKEN})
    assert shown.exit_code == 0 and "broker.mt5_bridge_token" in shown.output and BRIDGE_TOKEN not in shown.output


def test_micro_lot_with_the_paper_broker_is_refused_not_silently_ignored() -> None:
    said = problems(MICRO_LOT="true")
    assert "the paper broker ignores it" in said["broker.micro_lot"]
    bridged = load_settings(config_path=None, dotenv_path=None, environ={
        "MICRO_LOT": "true", "BROKER": "mt5-rest", "MT5_BRIDGE_URL": "http://127.0.0.1:8765",
        "MT5_BRIDGE_TOKEN": BRIDGE_TOKEN})
    assert bridged.settings.broker.micro_lot
