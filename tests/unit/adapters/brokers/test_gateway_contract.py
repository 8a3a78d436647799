"""The broker port's contract, one module run against every broker: paper, MT5 native (a fake
MetaTrader5 module), MT5 through the REST bridge (an in-process server in front of the same fake)
and MetaApi (a local server speaking its wire format, in front of the same fake).

Refusals are Rejection values with a code; a broker that cannot be asked raises BrokerUnavailable.
Faults (requote, reject, disconnect) are played by the simulated terminal, which paper lacks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from application.brokers.ports import BrokerUnavailable
from application.brokers.values import DealEntry, DealReason, Execution, MarketOrder
from domain.execution.fills import RejectCode, Rejection
from domain.market.candles import Direction, Pair
from tests.unit.adapters.brokers.venues import KINDS, NOW, Venue

BTC, ETH, XRP = Pair("BTCUSDT"), Pair("ETHUSDT"), Pair("XRPUSDT")
SIGNAL = "BTCUSDT-20240301T1200Z-L"


@pytest.fixture(params=KINDS)
def venue(request: pytest.FixtureRequest) -> Iterator[Venue]:
    venue = Venue(request.param)
    venue.quote(BTC, 60_000.0, 60_010.0)
    venue.quote(ETH, 3_000.0, 3_001.5)
    yield venue
    venue.stop()


def order(client_id: str = SIGNAL, direction: Direction = Direction.LONG, lots: float = 0.5,
          pair: Pair = BTC, expected: float = 60_005.0) -> MarketOrder:
    sign = direction.sign
    stop, target = round(expected * (1 - sign * 0.01), 2), round(expected * (1 + sign * 0.015), 2)
    return MarketOrder(client_id, pair, direction, lots, stop, target, expected)


def faulty(venue: Venue) -> None:
    if venue.terminal is None:
        pytest.skip("the paper broker has no connection to lose nor a trade server to refuse")


def filled(answer: Execution | Rejection) -> Execution:
    assert isinstance(answer, Execution), answer
    return answer


def test_the_account_says_balance_equity_margin_and_currency(venue: Venue) -> None:
    start = venue.gateway.account()
    assert (start.balance, start.equity, start.margin, start.currency) == (100_000.0, 100_000.0, 0.0, "USD")
    filled(venue.gateway.place(order()))
    held = venue.gateway.account()
    floating = sum(p.profit for p in venue.gateway.positions())
    assert held.margin > 0 and held.balance < start.balance  # the opening commission is paid
    assert held.equity == pytest.approx(held.balance + floating, abs=0.01)


def test_pairs_map_to_symbols_with_the_contract_sizes_the_guard_sizes_with(venue: Venue) -> None:
    btc, eth = venue.gateway.symbol(BTC), venue.gateway.symbol(ETH)
    assert btc is not None and eth is not None
    assert (btc.contract_size, eth.contract_size, eth.volume_step) == (1.0, 10.0, 0.01)
    assert venue.gateway.symbol(XRP) is None


@pytest.mark.parametrize("direction", list(Direction))
def test_a_market_order_fills_whole_with_its_client_id_stop_and_take_profit(venue: Venue,
                                                                            direction: Direction) -> None:
    sent = order(direction=direction)
    opened = filled(venue.gateway.place(sent))
    assert (opened.client_id, opened.entry, opened.direction, opened.lots, opened.at) == (
        SIGNAL, DealEntry.IN, direction, 0.5, NOW)
    assert direction.sign * (opened.price - sent.expected_price) >= 0  # a buy pays the ask, a sell gets the bid
    assert opened.commission > 0 and opened.spread_bps is not None and opened.spread_bps > 0
    (held,) = venue.gateway.positions()
    assert (held.ticket, held.client_id, held.pair, held.direction, held.lots, held.open_price) == (
        opened.ticket, SIGNAL, BTC, direction, 0.5, opened.price)
    assert (held.stop_loss, held.take_profit) == (sent.stop_loss, sent.take_profit)


def test_asking_twice_for_one_client_id_opens_once(venue: Venue) -> None:
    first = venue.gateway.place(order())
    assert venue.gateway.place(order()) == first
    assert len(venue.gateway.positions()) == 1
    opens = [d for d in venue.gateway.deals(NOW - timedelta(hours=1), NOW + timedelta(hours=1))
             if d.entry is DealEntry.IN]
    assert [d.client_id for d in opens] == [SIGNAL]


def test_an_order_is_found_by_its_client_id(venue: Venue) -> None:
    assert venue.gateway.find(SIGNAL) is None
    opened = filled(venue.gateway.place(order()))
    found = venue.gateway.find(SIGNAL)
    assert found is not None
    assert (found.ticket, found.price, found.lots, found.at, found.commission, found.entry) == (
        opened.ticket, opened.price, opened.lots, opened.at, opened.commission, DealEntry.IN)


def test_a_restarted_runtime_finds_the_order_and_sends_nothing_again(venue: Venue) -> None:
    if venue.kind == "paper":
        pytest.skip("the paper broker keeps its account in memory; the risk book is the dry-run's record")
    opened = filled(venue.gateway.place(order()))
    venue.gateway = venue.connect()
    found = venue.gateway.find(SIGNAL)
    assert found is not None and (found.ticket, found.price, found.at) == (opened.ticket, opened.price, opened.at)
    again = filled(venue.gateway.place(order()))
    assert again.ticket == opened.ticket and len(venue.gateway.positions()) == 1


def test_volumes_round_down_to_the_step_and_stop_at_five_lots(venue: Venue) -> None:
    assert filled(venue.gateway.place(order(lots=0.157))).lots == 0.15
    over = venue.gateway.place(order("ETHUSDT-20240301T1200Z-L", lots=5.5, pair=ETH, expected=3_000.5))
    assert isinstance(over, Rejection) and over.code is RejectCode.INVALID_VOLUME and "5" in over.reason
    tiny = venue.gateway.place(order("ETHUSDT-20240301T1202Z-L", lots=0.004, pair=ETH, expected=3_000.5))
    assert isinstance(tiny, Rejection) and tiny.code is RejectCode.INVALID_VOLUME


def test_a_pair_the_broker_does_not_trade_is_refused(venue: Venue) -> None:
    answer = venue.gateway.place(order("XRPUSDT-20240301T1200Z-L", pair=XRP, expected=0.6))
    assert isinstance(answer, Rejection) and answer.code is RejectCode.UNKNOWN_SYMBOL and "XRPUSDT" in answer.reason


@pytest.mark.parametrize(("retcode", "code"), [(10004, RejectCode.REQUOTE), (10006, RejectCode.REJECTED),
                                               (10018, RejectCode.MARKET_CLOSED), (10019, RejectCode.NO_MONEY)])
def test_a_refusal_is_a_rejection_and_opens_nothing(venue: Venue, retcode: int, code: RejectCode) -> None:
    faulty(venue)
    assert venue.terminal is not None
    venue.terminal.retcodes.append(retcode)
    answer = venue.gateway.place(order())
    assert isinstance(answer, Rejection) and answer.code is code and str(retcode) in answer.reason
    assert answer.retryable is (code is RejectCode.REQUOTE)
    assert venue.gateway.positions() == () and venue.gateway.find(SIGNAL) is None
    assert filled(venue.gateway.place(order())).client_id == SIGNAL  # sent again, it fills


def test_a_lost_connection_raises_broker_unavailable_and_opens_nothing(venue: Venue) -> None:
    faulty(venue)
    assert venue.terminal is not None
    venue.terminal.down()
    for call in (lambda: venue.gateway.place(order()), venue.gateway.account, venue.gateway.positions,
                 lambda: venue.gateway.tick(BTC), lambda: venue.gateway.close(SIGNAL)):
        with pytest.raises(BrokerUnavailable):
            call()
    venue.terminal.up()
    assert venue.gateway.positions() == ()
    filled(venue.gateway.place(order()))
    assert len(venue.gateway.positions()) == 1


@pytest.mark.parametrize("direction", list(Direction))
def test_close_fills_the_whole_position_and_books_its_profit(venue: Venue, direction: Direction) -> None:
    opened = filled(venue.gateway.place(order(direction=direction)))
    later = venue.advance(5)
    venue.quote(BTC, 60_400.0, 60_410.0)
    closed = filled(venue.gateway.close(SIGNAL, 60_405.0))
    assert (closed.entry, closed.ticket, closed.direction, closed.lots, closed.at) == (
        DealEntry.OUT, opened.ticket, direction, 0.5, later)
    assert -direction.sign * (closed.price - 60_405.0) >= 0  # a long sells at the bid, a short buys at the ask
    assert venue.gateway.positions() == ()
    profit = direction.sign * (closed.price - opened.price) * 0.5
    balance = 100_000.0 + profit - opened.commission - closed.commission
    assert venue.gateway.account().balance == pytest.approx(balance, abs=0.05)


def test_closing_is_idempotent_and_a_client_id_never_seen_is_not_found(venue: Venue) -> None:
    filled(venue.gateway.place(order()))
    closed = venue.gateway.close(SIGNAL)
    assert venue.gateway.close(SIGNAL) == closed
    unknown = venue.gateway.close("BTCUSDT-20240301T1100Z-L")
    assert isinstance(unknown, Rejection) and unknown.code is RejectCode.NOT_FOUND


def test_the_deal_history_holds_the_real_exit_with_its_client_id(venue: Venue) -> None:
    opened = filled(venue.gateway.place(order()))
    venue.advance(5)
    venue.quote(BTC, 60_400.0, 60_410.0)
    closed = filled(venue.gateway.close(SIGNAL))
    deals = venue.gateway.deals(NOW - timedelta(hours=1), NOW + timedelta(hours=1))
    assert [(d.entry, d.client_id, d.position_ticket, d.pair, d.lots) for d in deals] == [
        (DealEntry.IN, SIGNAL, opened.ticket, BTC, 0.5), (DealEntry.OUT, SIGNAL, opened.ticket, BTC, 0.5)]
    exit = deals[1]
    assert (exit.price, exit.at, exit.reason) == (closed.price, closed.at, DealReason.EXPERT)
    assert exit.profit == pytest.approx((closed.price - opened.price) * 0.5, abs=0.01)
    assert venue.gateway.deals(NOW + timedelta(minutes=1), NOW + timedelta(minutes=4)) == ()
    assert [d.entry for d in venue.gateway.deals(NOW + timedelta(minutes=1), NOW + timedelta(hours=1))] == [
        DealEntry.OUT]


def test_ticks_give_bid_ask_and_time(venue: Venue) -> None:
    later = venue.advance(2)
    venue.quote(BTC, 60_100.0, 60_110.0)
    latest = venue.gateway.tick(BTC)
    assert latest.at == later and latest.bid < 60_105.0 < latest.ask
    history = venue.gateway.ticks(BTC, NOW, later + timedelta(seconds=1))
    assert [t.at for t in history] == [NOW, later] and history[-1] == latest
    assert venue.gateway.ticks(BTC, NOW + timedelta(minutes=1), later) == ()
    with pytest.raises(LookupError):
        venue.gateway.tick(XRP)
