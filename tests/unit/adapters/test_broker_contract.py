"""The Broker port's contract, run against every broker: the paper broker and the recording fake.
The MT5 and MetaApi adapters join the ``broker`` fixture when they come (against a demo account).

Fill-or-kill: an order is filled whole or answered with a Rejection, never raised; asking twice
for one signal opens nothing more. The paper broker's fills are the domain's paper fills, paying the costs its FillCosts draws."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from adapters.brokers.paper import PaperBroker
from application.runtime.ports import Broker
from domain.execution.fills import Fill, Rejection
from domain.execution.instruments import Instruments, InstrumentSpec, fill_price_paying
from domain.execution.paper import (
    ExitReason,
    PaperExit,
    book_close,
    book_open,
    close_paper_position,
    open_paper_position,
    paper_close_fill,
    paper_open_fill,
)
from domain.execution.sampling import FillCosts
from domain.market.candles import Direction, Pair
from domain.risk.account import Account, Position
from domain.signals.signal import Mode, Signal, Tier
from tests.fakes.broker import RecordingBroker
from tests.unit.domain.builders import SESSION_RANGES, constant_p90_model, disjoint_session_model

BTC, ETH = Pair("BTCUSDT"), Pair("ETHUSDT")
NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)


def signal(pair: Pair = BTC, direction: Direction = Direction.LONG, entry: float = 100.0) -> Signal:
    sign = direction.sign
    return Signal(f"{pair.symbol}-s1", pair, direction, entry, entry + sign * 3, entry - sign * 2, 0.7, Tier.HIGH,
                  NOW, Mode.DRYRUN, size=0.5)


def held(order: Signal, lots: float = 0.5) -> Position:
    return open_paper_position(Account.start(100_000, NOW), order, lots, Instruments().spec_for(order.pair)).positions[0]


@pytest.fixture(params=["paper", "sampled", "recording"])
def broker(request: pytest.FixtureRequest) -> Broker:
    if request.param == "sampled":
        return PaperBroker(costs=FillCosts(disjoint_session_model(), 7))
    return PaperBroker() if request.param == "paper" else RecordingBroker(PaperBroker())


def test_a_broker_has_a_name(broker: Broker) -> None:
    assert isinstance(broker.name, str) and broker.name


@pytest.mark.parametrize("direction", [Direction.LONG, Direction.SHORT])
def test_open_fills_the_whole_size_at_or_after_the_signal(broker: Broker, direction: Direction) -> None:
    fill = broker.open(signal(direction=direction), 0.5)
    assert isinstance(fill, Fill)
    assert fill.lots == 0.5 and fill.price > 0 and fill.commission >= 0
    assert fill.at >= NOW and fill.at.utcoffset() == timedelta(0)


@pytest.mark.parametrize("lots", [0.0, -1.0, math.nan, 10_000.0])
def test_an_order_of_an_impossible_size_is_rejected_not_raised(broker: Broker, lots: float) -> None:
    answer = broker.open(signal(), lots)
    assert isinstance(answer, Rejection) and answer.reason


def test_a_pair_the_broker_does_not_trade_is_rejected(broker: Broker) -> None:
    answer = broker.open(signal(Pair("XRPUSDT")), 0.5)
    assert isinstance(answer, Rejection) and "XRPUSDT" in answer.reason


def test_asking_twice_for_one_signal_gives_the_same_fill(broker: Broker) -> None:
    assert broker.open(signal(), 0.5) == broker.open(signal(), 0.5)


@pytest.mark.parametrize("reason", list(ExitReason))
def test_close_fills_the_whole_position_at_or_after_the_exit(broker: Broker, reason: ExitReason) -> None:
    position = held(signal())
    at = NOW + timedelta(minutes=5)
    fill = broker.close(position, PaperExit(position.position_id, reason, at, 101.0))
    assert isinstance(fill, Fill)
    assert fill.lots == position.lots and fill.price > 0 and fill.commission >= 0 and fill.at >= at


def test_an_exit_of_another_position_is_rejected(broker: Broker) -> None:
    position = held(signal())
    answer = broker.close(position, PaperExit("other", ExitReason.TIME, NOW + timedelta(minutes=5), 101.0))
    assert isinstance(answer, Rejection)


# --- the paper broker in particular: its fills are the domain's, so dry-run costs and exits do not move


@pytest.mark.parametrize("pair", [BTC, ETH])
def test_paper_fills_pay_the_p90_costs_the_guard_sized_for(pair: Pair) -> None:
    spec = Instruments().spec_for(pair)
    order = signal(pair)
    fill = PaperBroker().open(order, 0.5)
    assert fill == paper_open_fill(order, 0.5, spec)
    assert isinstance(fill, Fill) and fill.price == pytest.approx(order.entry * (1 + spec.adverse_fraction))
    assert (fill.spread_bps, fill.slippage_bps) == (spec.spread_p90_bps, spec.slippage_p90_bps)
    position = held(order)
    exit = PaperExit(position.position_id, ExitReason.STOP_LOSS, NOW + timedelta(minutes=3), order.stop_loss)
    assert PaperBroker().close(position, exit) == paper_close_fill(position, exit, spec)


def test_booking_the_paper_brokers_fills_books_what_the_paper_functions_book() -> None:
    spec, order, start = Instruments().spec_for(BTC), signal(), Account.start(100_000, NOW)
    opened = open_paper_position(start, order, 0.5, spec)
    fill = PaperBroker().open(order, 0.5)
    assert isinstance(fill, Fill) and book_open(start, order, fill, spec.contract_size) == opened
    exit = PaperExit(order.signal_id, ExitReason.TAKE_PROFIT, NOW + timedelta(minutes=3), order.take_profit)
    closing = PaperBroker().close(opened.position(order.signal_id), exit)
    assert isinstance(closing, Fill)
    assert book_close(opened, exit, closing, spec) == close_paper_position(opened, exit, spec)


def test_paper_broker_uses_the_catalogue_it_is_given() -> None:
    cheap = Instruments().with_spec(InstrumentSpec("BTC", contract_size=1.0, spread_p90_bps=0.0, slippage_p90_bps=0.0))
    fill = PaperBroker(cheap).open(signal(), 0.5)
    assert isinstance(fill, Fill) and fill.price == 100.0


# --- fills drawn from the execution model (NOW is inside London's session only)


def test_sampled_fills_pay_the_costs_drawn_for_the_session_and_record_them() -> None:
    spec, order = Instruments().spec_for(BTC), signal()
    fill = PaperBroker(costs=FillCosts(disjoint_session_model(), 7)).open(order, 0.5)
    assert isinstance(fill, Fill)
    lo, hi = SESSION_RANGES["london"]
    assert lo <= fill.spread_bps <= hi and lo / 10 <= fill.slippage_bps <= hi / 10
    assert fill.price == fill_price_paying(order.entry, order.direction, True, fill.spread_bps, fill.slippage_bps)
    assert fill.commission == spec.commission(fill.price, 0.5)


def test_sampled_closes_draw_apart_from_opens_and_repeat() -> None:
    broker = PaperBroker(costs=FillCosts(disjoint_session_model(), 7))
    position = held(signal())
    exit = PaperExit(position.position_id, ExitReason.TIME, NOW + timedelta(minutes=5), 101.0)
    first, again, opened = broker.close(position, exit), broker.close(position, exit), broker.open(signal(), 0.5)
    assert isinstance(first, Fill) and isinstance(opened, Fill) and first == again
    assert (first.spread_bps, first.slippage_bps) != (opened.spread_bps, opened.slippage_bps)


def test_the_placeholders_as_a_constant_model_fill_exactly_as_the_p90s_do() -> None:
    for pair in (BTC, ETH):
        spec, order = Instruments().spec_for(pair), signal(pair)
        sampled = PaperBroker(costs=FillCosts(constant_p90_model(), 3))
        assert sampled.open(order, 0.5) == paper_open_fill(order, 0.5, spec)
        position = held(order)
        exit = PaperExit(position.position_id, ExitReason.STOP_LOSS, NOW + timedelta(minutes=3), order.stop_loss)
        assert sampled.close(position, exit) == paper_close_fill(position, exit, spec)
