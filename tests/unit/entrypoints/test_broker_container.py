"""BROKER picks the runtime's broker: each live one is the runtime's Broker over its gateway, built
from the settings alone (the bridge's URL and token, MetaApi's token and account), and the native
mt5 one says why it cannot start where the MetaTrader5 package is missing."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime

import attrs
import pytest

from adapters.mt5.terminal import TerminalMissing
from application.brokers.runtime_broker import GatewayBroker
from entrypoints.container import build_container
from entrypoints.settings import Secret, Settings
from tests.fakes.bridge import running_bridge
from tests.fakes.metaapi_server import FakeMetaApi
from tests.fakes.metatrader5 import FakeMetaTrader5

NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)
TOKEN = "a-shared-token-0123456789"
ACCOUNT = "865d3a4d-3803-486d-bdf3-a85679d9fad2"


def with_broker(**broker: object) -> Settings:
    base = Settings()
    return attrs.evolve(base, broker=attrs.evolve(base.broker, **broker))


@pytest.fixture
def terminal() -> FakeMetaTrader5:
    fake = FakeMetaTrader5(NOW, balance=25_000.0)
    fake.quote("BTCUSD", 59_995.0, 60_005.0)
    return fake


@pytest.fixture
def bridge(terminal: FakeMetaTrader5) -> Iterator[str]:
    with running_bridge(terminal, TOKEN, NOW) as url:
        yield url


def test_the_mt5_rest_broker_reaches_the_bridge_from_its_settings(bridge: str) -> None:
    runtime = build_container(with_broker(name="mt5-rest", mt5_bridge_url=bridge,
                                          mt5_bridge_token=Secret(TOKEN))).runtime()
    broker = runtime.broker()
    assert isinstance(broker, GatewayBroker) and broker.name == "mt5-rest"
    assert runtime.broker_gateway().account().balance == 25_000.0


def test_the_metaapi_broker_reaches_its_server_from_its_settings(terminal: FakeMetaTrader5) -> None:
    api = FakeMetaApi(terminal, TOKEN, ACCOUNT).start()
    try:
        runtime = build_container(with_broker(name="metaapi", metaapi_token=Secret(TOKEN), metaapi_account_id=ACCOUNT,
                                              metaapi_base_url=api.url)).runtime()
        assert runtime.broker().name == "metaapi" and runtime.broker_gateway().account().balance == 25_000.0
    finally:
        api.stop()


@pytest.mark.skipif(sys.platform == "win32", reason="the package may be installed on Windows")
def test_the_native_mt5_broker_says_where_it_runs() -> None:
    runtime = build_container(with_broker(name="mt5", mt5_login="1", mt5_password=Secret("pw-never-shown"),
                                          mt5_server="FTMO-Demo")).runtime()
    with pytest.raises(TerminalMissing) as missing:
        runtime.broker()
    assert "mt5-rest or metaapi" in str(missing.value) and "pw-never-shown" not in str(missing.value)


def test_paper_stays_the_default() -> None:
    assert build_container(Settings()).runtime().broker().name == "paper"
