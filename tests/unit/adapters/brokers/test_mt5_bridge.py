"""The MT5 REST bridge in particular: the token guards every route and never leaks, the default
address is this machine only, malformed requests and lost answers, and `tradeai mt5-bridge serve`
end to end against the fake terminal."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from adapters.brokers.paper_gateway import PaperGateway
from adapters.mt5_rest.client import Mt5RestGateway
from adapters.mt5_rest.server import Mt5BridgeServer
from application.brokers.ports import BrokerUnavailable
from application.brokers.values import Execution, MarketOrder
from domain.market.candles import Direction, Pair
from entrypoints.cli import cli
from entrypoints.mt5_bridge import BridgeRefused, serve_bridge
from entrypoints.settings import load_settings
from tests.fakes.metatrader5 import FakeMetaTrader5
from tests.unit.adapters.brokers.venues import NOW, TOKEN, Clock

BTC = Pair("BTCUSDT")
ORDER = MarketOrder("BTCUSDT-20240301T1200Z-L", BTC, Direction.LONG, 0.5, 59_000.0, 61_000.0, 60_005.0)


class SlowGateway(PaperGateway):
    """A broker that takes ``delay_s`` to fill: the bridge's answer arrives after the client gave up."""

    delay_s = 0.0

    def place(self, order: MarketOrder) -> Any:
        time.sleep(self.delay_s)
        return super().place(order)


@pytest.fixture
def bridge() -> Iterator[tuple[Mt5BridgeServer, SlowGateway, str]]:
    gateway = SlowGateway(Clock(NOW))
    gateway.quote(BTC, 60_005.0)
    server = Mt5BridgeServer(gateway, TOKEN, port=0).start()
    host, port = server.address
    yield server, gateway, f"http://{host}:{port}"
    server.stop()


def test_the_bridge_listens_on_this_machine_only_by_default(bridge: tuple[Mt5BridgeServer, Any, str]) -> None:
    assert bridge[0].address[0] == "127.0.0.1"


def test_a_short_token_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValueError, match="at least 16 characters") as refused:
        Mt5BridgeServer(PaperGateway(Clock(NOW)), "short-secret", port=0)
    assert "short-secret" not in str(refused.value)


@pytest.mark.parametrize("headers", [{}, {"X-Bridge-Token": "wrong-token-0123456789"}, {"X-Bridge-Token": ""}])
def test_every_route_needs_the_token(bridge: tuple[Mt5BridgeServer, Any, str], headers: dict[str, str]) -> None:
    for method, path in (("GET", "/v1/account"), ("GET", "/v1/positions"), ("POST", "/v1/orders"),
                         ("GET", "/v1/nowhere")):
        answer = httpx.request(method, bridge[2] + path, headers=headers)
        assert answer.status_code == 401 and answer.json()["error"] == "unauthorized"
        assert TOKEN not in answer.text


def test_the_client_says_which_setting_to_fix_when_the_token_is_refused(bridge: tuple[Any, Any, str]) -> None:
    with pytest.raises(BrokerUnavailable, match="MT5_BRIDGE_TOKEN") as refused:
        Mt5RestGateway(bridge[2], "another-token-0123456789").account()
    assert "another-token" not in str(refused.value)


def test_unknown_routes_and_malformed_orders_are_answered_not_crashed(bridge: tuple[Any, Any, str]) -> None:
    headers = {"X-Bridge-Token": TOKEN}
    assert httpx.get(bridge[2] + "/v1/nowhere", headers=headers).status_code == 404
    bad = httpx.post(bridge[2] + "/v1/orders", headers=headers, json={"client_id": "x", "lots": "lots"})
    assert bad.status_code == 400 and bad.json()["error"] == "bad_request"
    not_json = httpx.post(bridge[2] + "/v1/orders", headers=headers, content=b"{not json")
    assert not_json.status_code == 400
    assert httpx.get(bridge[2] + "/v1/deals?since=yesterday", headers=headers).status_code == 400
    assert httpx.get(bridge[2] + "/v1/ticks/XRPUSDT/latest", headers=headers).status_code == 404


def test_an_order_whose_answer_is_late_is_unknown_and_found_afterwards(bridge: tuple[Any, SlowGateway, str]) -> None:
    _, slow, url = bridge
    slow.delay_s = 0.5
    client = Mt5RestGateway(url, TOKEN, timeout_s=0.2)
    with pytest.raises(BrokerUnavailable) as lost:
        client.place(ORDER)
    assert lost.value.outcome_unknown
    slow.delay_s = 0.0
    time.sleep(0.5)
    assert client.find(ORDER.client_id) is not None and len(client.positions()) == 1


def test_a_bridge_that_is_down_is_unavailable_with_nothing_sent(bridge: tuple[Mt5BridgeServer, Any, str]) -> None:
    server, _, url = bridge
    server.stop()
    with pytest.raises(BrokerUnavailable, match="cannot be reached") as down:
        Mt5RestGateway(url, TOKEN, timeout_s=1).place(ORDER)
    assert not down.value.outcome_unknown


# --- `tradeai mt5-bridge serve`


def _settings(**env: str) -> Any:
    base = {"MT5_LOGIN": "1234567", "MT5_PASSWORD": "hunter2-password", "MT5_SERVER": "FTMO-Demo",
            "MT5_BRIDGE_TOKEN": TOKEN, "MT5_BRIDGE_PORT": "8765"}
    return load_settings(config_path=None, dotenv_path=None, environ={**base, **env}).settings


def test_serve_logs_in_serves_the_terminal_and_logs_out_when_stopped() -> None:
    fake = FakeMetaTrader5(NOW)
    fake.quote("BTCUSD", 60_000.0, 60_010.0)
    stop, said, done = threading.Event(), [], []
    worker = threading.Thread(target=lambda: done.append(serve_bridge(_settings(), fake, stop, said.append, port=0)))
    worker.start()
    for _ in range(100):
        if said:
            break
        time.sleep(0.02)
    url = said[0].split("serving ")[1].split("/v1")[0]
    client = Mt5RestGateway(url, TOKEN)
    assert client.account().currency == "USD" and fake.initialized
    assert isinstance(client.place(ORDER), Execution)
    stop.set()
    worker.join(5)
    assert done and not fake.initialized
    assert not any(TOKEN in line or "hunter2" in line for line in said)
    assert "127.0.0.1" in said[0] and len(said) == 1  # no warning on the loopback address


def test_serve_warns_when_the_bridge_is_reachable_from_other_machines() -> None:
    fake, stop, said = FakeMetaTrader5(NOW), threading.Event(), []
    stop.set()
    serve_bridge(_settings(), fake, stop, said.append, bind="0.0.0.0", port=0)
    assert "warning" in said[1] and "plain HTTP" in said[1]


def test_serve_refuses_without_its_settings_and_names_them() -> None:
    with pytest.raises(BridgeRefused, match="MT5_BRIDGE_TOKEN, MT5_PASSWORD"):
        serve_bridge(_settings(MT5_BRIDGE_TOKEN="", MT5_PASSWORD=""), FakeMetaTrader5(NOW), threading.Event(),
                     print)


def test_the_command_says_what_is_missing_then_that_metatrader5_is_windows_only() -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["mt5-bridge", "serve"], env={"MT5_LOGIN": "", "MT5_BRIDGE_TOKEN": ""})
    assert missing.exit_code == 2 and "MT5_BRIDGE_TOKEN" in missing.output and "MT5_LOGIN" in missing.output
    env = {"MT5_LOGIN": "1234567", "MT5_PASSWORD": "pw", "MT5_SERVER": "FTMO-Demo", "MT5_BRIDGE_TOKEN": TOKEN}
    if sys.platform == "win32":
        return  # there the package may well be installed, and the command would start serving
    linux = runner.invoke(cli, ["mt5-bridge", "serve"], env=env)
    assert linux.exit_code == 2 and "MetaTrader5 package is not installed" in linux.output
    assert TOKEN not in linux.output
