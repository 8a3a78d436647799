"""The metaapi adapter in particular: MetaApi's routes, header and trade bodies on the wire, its
error bodies and TRADE_RETCODE_* codes, paging, and a trade answer that never arrives."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from adapters.metaapi.gateway import MetaApiGateway
from application.brokers.orders import LiveSetup
from application.brokers.ports import BrokerUnavailable
from application.brokers.values import Execution, MarketOrder
from domain.execution.fills import RejectCode, Rejection
from domain.market.candles import Direction, Pair
from tests.fakes.metaapi_server import FakeMetaApi
from tests.fakes.metatrader5 import FakeMetaTrader5
from tests.unit.adapters.brokers.venues import ACCOUNT, NOW, TOKEN

BTC = Pair("BTCUSDT")
SIGNAL = "BTCUSDT-20240301T1200Z-L"
ORDER = MarketOrder(SIGNAL, BTC, Direction.LONG, 0.5, 59_404.95, 60_905.07, 60_005.0)
ROOT = f"/users/current/accounts/{ACCOUNT}"


@pytest.fixture
def api() -> Iterator[FakeMetaApi]:
    terminal = FakeMetaTrader5(NOW)
    terminal.quote("BTCUSD", 60_000.0, 60_010.0)
    server = FakeMetaApi(terminal, TOKEN, ACCOUNT).start()
    yield server
    server.stop()


def gateway(api: FakeMetaApi, **options: object) -> MetaApiGateway:
    return MetaApiGateway(TOKEN, ACCOUNT, base_url=api.url, now=lambda: api.terminal.now, **options)  # type: ignore[arg-type]


def test_a_market_order_is_one_trade_call_in_metaapis_words(api: FakeMetaApi) -> None:
    assert isinstance(gateway(api, setup=LiveSetup(magic=777)).place(ORDER), Execution)
    trades = [(path, body, headers) for method, path, _, body, headers in api.requests if method == "POST"]
    assert len(trades) == 1
    path, body, headers = trades[0]
    assert path == f"{ROOT}/trade" and headers["auth-token"] == TOKEN
    assert body == {"actionType": "ORDER_TYPE_BUY", "symbol": "BTCUSD", "volume": 0.5, "stopLoss": 59_404.95,
                    "takeProfit": 60_905.07, "clientId": "BTCUSDT_20240301T1200Z_L", "magic": 777,
                    "slippage": 6001, "fillingModes": ["ORDER_FILLING_FOK"]}
    reads = {path.removeprefix(ROOT) for method, path, *_ in api.requests if method == "GET"}
    assert {"/positions", "/symbols/BTCUSD/specification", "/symbols/BTCUSD/current-tick"} <= reads


def test_a_close_is_position_close_id(api: FakeMetaApi) -> None:
    broker = gateway(api)
    opened = broker.place(ORDER)
    assert isinstance(opened, Execution) and isinstance(broker.close(SIGNAL), Execution)
    body = [b for method, _, _, b, _ in api.requests if method == "POST"][-1]
    assert body["actionType"] == "POSITION_CLOSE_ID" and body["positionId"] == opened.ticket


def test_a_refused_token_or_account_names_the_setting_never_the_token(api: FakeMetaApi) -> None:
    with pytest.raises(BrokerUnavailable, match="METAAPI_TOKEN") as refused:
        MetaApiGateway("a-wrong-token-123456", ACCOUNT, base_url=api.url).account()
    assert "a-wrong-token" not in str(refused.value)
    with pytest.raises(BrokerUnavailable, match="account not found or not deployed"):
        MetaApiGateway(TOKEN, "another-account", base_url=api.url).positions()


@pytest.mark.parametrize(("retcode", "code"), [(10004, RejectCode.REQUOTE), (10016, RejectCode.INVALID_STOPS),
                                               (10017, RejectCode.TRADE_DISABLED)])
def test_trade_retcodes_are_rejections_with_metaapis_string_code(api: FakeMetaApi, retcode: int,
                                                                 code: RejectCode) -> None:
    api.terminal.retcodes.append(retcode)
    answer = gateway(api).place(ORDER)
    assert isinstance(answer, Rejection) and answer.code is code and "TRADE_RETCODE_" in answer.reason


@pytest.mark.parametrize(("retcode", "unknown"), [(-10, False), (-11, True), (10031, False)])
def test_disconnection_codes_are_unavailable(api: FakeMetaApi, retcode: int, unknown: bool) -> None:
    api.terminal.retcodes.append(retcode)
    with pytest.raises(BrokerUnavailable) as failed:
        gateway(api).place(ORDER)
    assert failed.value.outcome_unknown is unknown


@pytest.mark.parametrize("status", [429, 500, 504])
def test_http_errors_are_unavailable_with_metaapis_message(api: FakeMetaApi, status: int) -> None:
    api.failures.append((status, {"id": 1, "error": "TooManyRequestsError", "message": "slow down"}))
    with pytest.raises(BrokerUnavailable, match=f"HTTP {status} TooManyRequestsError.*slow down"):
        gateway(api).account()


def test_a_trade_whose_answer_never_arrives_is_unknown_then_found(api: FakeMetaApi) -> None:
    broker = gateway(api, timeout_s=0.3)
    api.trade_delay_s = 0.6  # the trade is done, its answer comes too late
    with pytest.raises(BrokerUnavailable) as lost:
        broker.place(ORDER)
    assert lost.value.outcome_unknown
    api.trade_delay_s = 0.0
    time.sleep(0.5)
    found = broker.find(SIGNAL)
    assert found is not None and broker.place(ORDER) == found
    assert [method for method, *_ in api.requests].count("POST") == 1


def test_deals_are_read_page_by_page(api: FakeMetaApi) -> None:
    broker = gateway(api, page_size=2)
    for minute in range(3):
        api.terminal.now = NOW + timedelta(minutes=minute)
        client_id = f"BTCUSDT-20240301T120{minute}Z-L"
        broker.place(MarketOrder(client_id, BTC, Direction.LONG, 0.1, 59_000.0, 61_000.0, 60_005.0))
        broker.close(client_id)
    deals = broker.deals(NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    assert len(deals) == 6 and len({d.ticket for d in deals}) == 6
    pages = [q for m, p, q, *_ in api.requests if p.startswith(f"{ROOT}/history-deals/time/")]
    assert [q["offset"] for q in pages[-4:]] == ["0", "2", "4", "6"]


def test_a_position_whose_deal_is_not_in_the_history_yet_is_found_and_not_sent_again(api: FakeMetaApi) -> None:
    gateway(api).place(ORDER)
    api.terminal.deals.clear()  # MetaApi's history lags behind its positions
    restarted = gateway(api)
    found = restarted.find(SIGNAL)
    assert found is not None and (found.lots, found.price, found.at, found.commission) == (0.5, 60_010.0, NOW, 0.0)
    assert restarted.place(ORDER) == found
    assert [method for method, *_ in api.requests].count("POST") == 1
