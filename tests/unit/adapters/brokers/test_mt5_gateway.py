"""The mt5 adapter in particular: the request MetaTrader5 receives, comments and long ids, the
contract size check, the trade server's clock, others' positions, lost answers resolved by
client id, stops hit at the broker, and the terminal's login."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from adapters.mt5.gateway import Mt5Gateway
from adapters.mt5.records import ServerClock
from adapters.mt5.terminal import connect
from application.brokers.orders import LiveSetup
from application.brokers.ports import BrokerUnavailable
from application.brokers.symbols import SymbolMap
from application.brokers.values import DealEntry, DealReason, Execution, MarketOrder
from domain.execution.fills import RejectCode, Rejection
from domain.market.candles import Direction, Pair
from tests.fakes.metatrader5 import FakeMetaTrader5
from tests.unit.adapters.brokers.venues import NOW

BTC, ETH = Pair("BTCUSDT"), Pair("ETHUSDT")
SIGNAL = "BTCUSDT-20240301T1200Z-L"


def terminal(**options: object) -> FakeMetaTrader5:
    fake = FakeMetaTrader5(NOW, **options)  # type: ignore[arg-type]
    fake.quote("BTCUSD", 60_000.0, 60_010.0)
    fake.quote("ETHUSD", 3_000.0, 3_001.5)
    return fake


def gateway(fake: FakeMetaTrader5, **options: object) -> Mt5Gateway:
    return Mt5Gateway(fake, now=lambda: fake.now, **options)  # type: ignore[arg-type]


def order(client_id: str = SIGNAL, pair: Pair = BTC, lots: float = 0.5, expected: float = 60_005.0) -> MarketOrder:
    return MarketOrder(client_id, pair, Direction.LONG, lots, round(expected * 0.99, 2), round(expected * 1.015, 2),
                       expected)


def test_the_request_is_a_fill_or_kill_deal_with_stops_magic_comment_and_deviation() -> None:
    fake = terminal()
    assert isinstance(gateway(fake, setup=LiveSetup(magic=777)).place(order()), Execution)
    (sent,) = fake.sent
    assert sent == {"action": 1, "symbol": "BTCUSD", "volume": 0.5, "type": 0, "price": 60_010.0,
                    "deviation": 6001,  # 10 bps of 60,010 in points of 0.01
                    "magic": 777, "comment": SIGNAL, "type_time": 0, "type_filling": 0,
                    "sl": 59_404.95, "tp": 60_905.07}


def test_the_symbol_map_is_a_setting() -> None:
    fake = terminal(contract_sizes={"BTCUSD.r": 1.0})
    fake.quote("BTCUSD.r", 60_000.0, 60_010.0)
    mt5 = gateway(fake, setup=LiveSetup(SymbolMap(["BTCUSDT=BTCUSD.r"])))
    assert isinstance(mt5.place(order()), Execution) and fake.sent[0]["symbol"] == "BTCUSD.r"
    assert mt5.positions()[0].pair == BTC and mt5.symbol(ETH) is None


def test_a_client_id_too_long_for_the_comment_travels_as_its_hash_and_is_found_by_it() -> None:
    fake, long_id = terminal(), "BTCUSDT-20240301T1200Z-L-retry-after-requote"
    mt5 = gateway(fake)
    opened = mt5.place(order(long_id))
    comment = fake.sent[0]["comment"]
    assert len(comment) == 31 and comment.startswith("x") and isinstance(opened, Execution)
    assert mt5.find(long_id) is not None and mt5.find(long_id + "x") is None
    assert mt5.positions()[0].client_id == comment  # a hashed tag reads back as itself
    assert isinstance(mt5.close(long_id), Execution)


def test_a_contract_size_other_than_the_guards_is_refused_before_sending() -> None:
    fake = terminal(contract_sizes={"BTCUSD": 1.0, "ETHUSD": 1.0})
    answer = gateway(fake).place(order("ETHUSDT-20240301T1200Z-L", ETH, 0.5, 3_000.5))
    assert isinstance(answer, Rejection) and answer.code is RejectCode.SYMBOL_MISMATCH
    assert "ETHUSD is 1 units a lot" in answer.reason and "10" in answer.reason and fake.sent == []


def test_times_are_read_in_the_trade_servers_clock() -> None:
    fake = terminal(server_offset=timedelta(hours=2))
    athens_winter = gateway(fake, clock=ServerClock(ZoneInfo("Etc/GMT-2")))
    opened = athens_winter.place(order())
    assert isinstance(opened, Execution) and opened.at == NOW
    assert [d.at for d in athens_winter.deals(NOW - timedelta(minutes=1), NOW + timedelta(minutes=1))] == [NOW]
    assert athens_winter.tick(BTC).at == NOW
    as_if_utc = gateway(fake).positions()[0].opened_at
    assert as_if_utc == NOW + timedelta(hours=2)  # what a wrong EXEC_MT5_TIME_ZONE would record


def test_positions_and_deals_of_other_programs_carry_no_client_id() -> None:
    fake = terminal()
    gateway(fake, setup=LiveSetup(magic=1)).place(order("someone-else"))
    mine = gateway(fake, setup=LiveSetup(magic=2))
    (theirs,) = mine.positions()
    assert theirs.client_id is None and theirs.pair == BTC
    assert [d.client_id for d in mine.deals(NOW - timedelta(hours=1), NOW + timedelta(hours=1))] == [None]
    assert mine.find("someone-else") is None


def test_an_order_whose_answer_was_lost_is_found_and_never_sent_twice() -> None:
    fake = terminal()
    mt5 = gateway(fake)
    fake.lost_answers = 1
    with pytest.raises(BrokerUnavailable) as lost:
        mt5.place(order())
    assert lost.value.outcome_unknown
    found = mt5.find(SIGNAL)
    assert found is not None and found.lots == 0.5
    assert mt5.place(order()) == found and len(fake.sent) == 1


@pytest.mark.parametrize(("retcode", "unknown"), [(10031, False), (10012, True)])
def test_no_connection_or_a_timeout_at_the_trade_server_is_unavailable(retcode: int, unknown: bool) -> None:
    fake = terminal()
    fake.retcodes.append(retcode)
    with pytest.raises(BrokerUnavailable) as failed:
        gateway(fake).place(order())
    assert failed.value.outcome_unknown is unknown and str(retcode) in str(failed.value)


def test_a_stop_hit_at_the_broker_is_the_positions_real_exit() -> None:
    fake = terminal()
    mt5 = gateway(fake)
    opened = mt5.place(order())
    assert isinstance(opened, Execution)
    fake.now += timedelta(minutes=7)
    fake.hit(int(opened.ticket), 59_404.95, reason=4)
    closed = mt5.close(SIGNAL)
    assert isinstance(closed, Execution) and (closed.entry, closed.price, closed.at) == (
        DealEntry.OUT, 59_404.95, NOW + timedelta(minutes=7))
    exit = mt5.deals(NOW + timedelta(minutes=1), NOW + timedelta(hours=1))[0]
    assert (exit.reason, exit.client_id, exit.profit) == (DealReason.STOP_LOSS, SIGNAL, pytest.approx(-302.53))
    assert fake.sent[-1]["comment"] == SIGNAL and len(fake.sent) == 1  # nothing sent to close it again


def test_a_close_refused_by_the_broker_is_a_rejection_and_keeps_the_position() -> None:
    fake = terminal()
    mt5 = gateway(fake)
    mt5.place(order())
    fake.retcodes.append(10018)
    refused = mt5.close(SIGNAL)
    assert isinstance(refused, Rejection) and refused.code is RejectCode.MARKET_CLOSED
    assert len(mt5.positions()) == 1


def test_login_failure_names_the_terminals_error_never_the_password() -> None:
    fake = terminal()
    fake.refuse_login = True
    with pytest.raises(BrokerUnavailable) as failed:
        connect(fake, "1234567", "hunter2-password", "FTMO-Demo")
    assert "1234567" in str(failed.value) and "Authorization failed" in str(failed.value)
    assert "hunter2" not in str(failed.value) and not fake.initialized
    with pytest.raises(ValueError, match="account number"):
        connect(terminal(), "me@example.com", "pw", "FTMO-Demo")


def test_a_position_whose_deal_is_not_in_the_history_yet_is_found_and_not_sent_again() -> None:
    fake = terminal()
    gateway(fake).place(order())
    fake.deals.clear()  # the terminal's history lags behind its positions
    restarted = gateway(fake)
    found = restarted.find(SIGNAL)
    assert found is not None and (found.lots, found.price, found.at, found.commission) == (0.5, 60_010.0, NOW, 0.0)
    assert restarted.place(order()) == found and len(fake.sent) == 1
