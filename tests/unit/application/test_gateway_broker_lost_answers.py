"""An order whose answer is lost (the terminal executed it, the reply never came back) is resolved by
its client id before anything else: booked once with the broker's fill, never sent twice."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from adapters.mt5.gateway import Mt5Gateway
from application.brokers.ports import BrokerUnavailable
from application.brokers.runtime_broker import GatewayBroker
from application.brokers.serial import SerialGateway
from domain.execution.fills import Fill, Rejection
from domain.market.candles import Direction, Pair
from domain.signals.signal import Mode, Signal, Tier
from tests.fakes.metatrader5 import FakeMetaTrader5

NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)
BTC = Pair("BTCUSDT")


def _signal() -> Signal:
    return Signal("BTCUSDT-20240301T1200Z-L", BTC, Direction.LONG, 60_000.0, 61_000.0, 59_000.0, 0.7, Tier.HIGH,
                  NOW, Mode.LIVE, size=0.5)


def _terminal() -> FakeMetaTrader5:
    terminal = FakeMetaTrader5(NOW)
    terminal.quote("BTCUSD", 59_995.0, 60_005.0)
    return terminal


def test_an_executed_order_whose_answer_was_lost_is_booked_from_the_broker_once() -> None:
    terminal = _terminal()
    terminal.lost_answers = 1
    broker = GatewayBroker(Mt5Gateway(terminal, now=lambda: NOW))
    fill = broker.open(_signal(), 0.5)
    assert isinstance(fill, Fill) and fill.price == 60_005.0 and fill.lots == 0.5
    assert len(terminal.sent) == 1 and len(terminal.positions) == 1
    again = broker.open(_signal(), 0.5)  # a retry by anyone finds the same position: nothing new is sent
    assert again == fill and len(terminal.sent) == 1 and len(terminal.positions) == 1


def test_a_lost_answer_the_broker_cannot_be_asked_about_stays_unknown() -> None:
    terminal = _terminal()

    class _LostThenDown(Mt5Gateway):
        def place(self, order):  # type: ignore[no-untyped-def]
            terminal.down()
            raise BrokerUnavailable("no answer", outcome_unknown=True)

    with pytest.raises(BrokerUnavailable) as unknown:
        GatewayBroker(_LostThenDown(terminal, now=lambda: NOW)).open(_signal(), 0.5)
    assert unknown.value.outcome_unknown and "cannot be asked" in str(unknown.value)


def test_a_refusal_is_still_a_refusal() -> None:
    terminal = _terminal()
    terminal.retcodes.append(terminal.TRADE_RETCODE_REQUOTE)
    answer = GatewayBroker(Mt5Gateway(terminal, now=lambda: NOW)).open(_signal(), 0.5)
    assert isinstance(answer, Rejection) and answer.retryable and not terminal.positions


def test_the_serial_gateway_lets_one_thread_into_the_terminal_at_a_time() -> None:
    terminal = _terminal()
    inside, most = [0], [0]
    account_info = terminal.account_info

    def counting() -> object:
        inside[0] += 1
        most[0] = max(most[0], inside[0])
        threading.Event().wait(0.002)  # long enough for another thread to try to come in
        inside[0] -= 1
        return account_info()

    terminal.account_info = counting  # type: ignore[method-assign]
    gateway = SerialGateway(Mt5Gateway(terminal, now=lambda: NOW))
    threads = [threading.Thread(target=gateway.account) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == 1 and gateway.name == "mt5"


def test_each_fill_carries_its_orders_round_trip() -> None:
    ticks = iter([10.0, 10.25, 20.0, 20.5])
    broker = GatewayBroker(Mt5Gateway(_terminal(), now=lambda: NOW), timer=lambda: next(ticks))
    opened = broker.open(_signal(), 0.5)
    assert isinstance(opened, Fill) and opened.latency_ms == 250.0
    untimed = GatewayBroker(Mt5Gateway(_terminal(), now=lambda: NOW)).open(_signal(), 0.5)
    assert isinstance(untimed, Fill) and untimed.latency_ms is None
