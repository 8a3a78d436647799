"""The broker port's shared pieces: client tags, the symbol map, the volume and deviation every
live broker sends, the costs a fill paid, the values' own checks, and the runtime's Broker on top
of a gateway."""

from __future__ import annotations

import math
import string
from datetime import UTC, datetime, timedelta

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.brokers.paper_gateway import PaperGateway
from application.brokers.orders import deviation_points, lots_to_send, paid_costs
from application.brokers.ports import BrokerUnavailable
from application.brokers.runtime_broker import GatewayBroker
from application.brokers.symbols import SymbolMap, client_id_of, client_tag
from application.brokers.values import DealEntry, Execution, MarketOrder, SymbolSpec, Tick
from domain.execution.fills import Fill, RejectCode, Rejection
from domain.execution.instruments import Instruments
from domain.execution.paper import ExitReason, PaperExit, open_paper_position
from domain.market.candles import Direction, Pair
from domain.risk.account import Account
from domain.signals.signal import Mode, Signal, Tier

NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)
BTC = Pair("BTCUSDT")
SPEC = SymbolSpec(BTC, "BTCUSD", 1.0, 0.01, 100.0, 0.01, 0.01, 2)
IDS = st.text(string.ascii_letters + string.digits + "-_.:", min_size=1, max_size=60)


def order(lots: float = 0.5, pair: Pair = BTC, client_id: str = "BTCUSDT-20240301T1200Z-L") -> MarketOrder:
    return MarketOrder(client_id, pair, Direction.LONG, lots, 59_000.0, 61_000.0, 60_000.0)


# --- client tags


def test_a_signal_id_is_its_own_tag_with_dashes_as_the_broker_wants_them() -> None:
    signal_id = "BNBUSDT-20210709T1800Z-S"
    assert client_tag(signal_id, 31) == signal_id
    assert client_tag(signal_id, 26, "_") == "BNBUSDT_20210709T1800Z_S"
    assert client_id_of("BNBUSDT_20210709T1800Z_S", 26, "_") == signal_id


@given(IDS, IDS)
def test_tags_fit_the_broker_and_never_collide(first: str, second: str) -> None:
    for limit, dash in ((31, "-"), (26, "_")):
        one, two = client_tag(first, limit, dash), client_tag(second, limit, dash)
        assert len(one) <= limit and set(one) <= set(string.ascii_letters + string.digits + dash)
        assert (one == two) == (first == second)
        assert client_id_of(one, limit, dash) in (first, one)  # an id, or a hash that reads back as itself


def test_ids_that_cannot_travel_as_they_are_are_hashed_deterministically() -> None:
    assert client_tag("a" * 32, 31) == client_tag("a" * 32, 31) != client_tag("a" * 33, 31)
    assert client_tag("has_underscore", 26, "_").startswith("x")
    with pytest.raises(ValueError, match="16"):
        client_tag("id", 8)


# --- the symbol map


def test_the_symbol_map_reads_pair_equals_symbol_both_ways() -> None:
    symbols = SymbolMap(["BTCUSDT=BTCUSD.r", "eth/usdt=ETHUSD"])
    assert symbols.symbol(BTC) == "BTCUSD.r" and symbols.pair("ETHUSD") == Pair("ETHUSDT")
    assert symbols.symbol(Pair("BNBUSDT")) is None and SymbolMap().symbol(Pair("BNBUSDT")) == "BNBUSD"


@pytest.mark.parametrize(("entries", "problem"), [(["BTCUSDT"], "PAIR=SYMBOL"), (["BTCUSDT="], "BTCUSDT"),
                                                  (["BTCUSDT=BTCUSD", "BTCUSDT=XBTUSD"], "twice")])
def test_a_bad_symbol_map_says_which_entry(entries: list[str], problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        SymbolMap(entries)


# --- what every live broker sends


@pytest.mark.parametrize(("lots", "sent"), [(0.5, 0.5), (0.157, 0.15), (0.01, 0.01), (5.0, 5.0), (0.3, 0.3)])
def test_lots_round_down_to_the_volume_step(lots: float, sent: float) -> None:
    assert lots_to_send(order(lots), SPEC, Instruments.defaults()) == sent


@pytest.mark.parametrize(("lots", "spec", "code"), [
    (5.01, SPEC, RejectCode.INVALID_VOLUME),
    (0.009, SPEC, RejectCode.INVALID_VOLUME),
    (2.0, SymbolSpec(BTC, "BTCUSD", 1.0, 0.01, 1.0, 0.01, 0.01, 2), RejectCode.INVALID_VOLUME),
    (0.5, SymbolSpec(BTC, "BTCUSD", 10.0, 0.01, 100.0, 0.01, 0.01, 2), RejectCode.SYMBOL_MISMATCH),
])
def test_volumes_the_broker_or_the_plan_would_not_take_are_refused(lots: float, spec: SymbolSpec,
                                                                    code: RejectCode) -> None:
    answer = lots_to_send(order(lots), spec, Instruments.defaults())
    assert isinstance(answer, Rejection) and answer.code is code


def test_the_deviation_is_sent_in_the_symbols_points_rounded_up() -> None:
    assert deviation_points(60_000.0, 10.0, SPEC) == 6000
    assert deviation_points(3_000.5, 1.0, SPEC) == 31  # 30.005 points: never tighter than asked
    assert deviation_points(60_000.0, 0.0, SPEC) == 0


def test_paid_costs_split_a_fill_as_the_paper_fill_is_built() -> None:
    spread, slippage = paid_costs(100.1, 100.0, 99.95, 100.05, buying=True)
    assert spread == pytest.approx(10.0) and slippage == pytest.approx(5.0)  # 10 bps past: half spread + 5
    spread, slippage = paid_costs(99.95, 100.0, 99.95, 100.05, buying=False)
    assert slippage == pytest.approx(0.0)  # a sell at the bid paid the half spread only


# --- the values' own checks


def test_an_order_needs_its_stop_and_target_on_either_side_of_its_price() -> None:
    with pytest.raises(ValueError, match="either side"):
        MarketOrder("id", BTC, Direction.SHORT, 0.5, 59_000.0, 61_000.0, 60_000.0)
    for lots in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="lots"):
            order(lots)
    with pytest.raises(ValueError, match="client id"):
        order(client_id="")


def test_values_refuse_what_a_broker_could_not_have_meant() -> None:
    with pytest.raises(ValueError, match=r"ask 99\.0 below bid 100\.0"):
        Tick(BTC, 100.0, 99.0, NOW)
    with pytest.raises(ValueError, match="commission"):
        Execution("id", "1", BTC, Direction.LONG, DealEntry.IN, 100.0, 1.0, -0.5, NOW)
    with pytest.raises(ValueError, match="UTC"):
        Tick(BTC, 100.0, 101.0, datetime(2024, 3, 1, 12))


def test_an_execution_books_as_the_domains_fill_with_unknown_costs_as_none() -> None:
    found = Execution("id", "1", BTC, Direction.LONG, DealEntry.IN, 100.0, 1.0, 0.5, NOW)
    assert found.fill() == Fill(100.0, 1.0, 0.5, NOW, 0.0, 0.0)


# --- the runtime's Broker over a gateway


def _signal() -> Signal:
    return Signal("BTCUSDT-20240301T1200Z-L", BTC, Direction.LONG, 60_000.0, 61_000.0, 59_000.0, 0.7, Tier.HIGH,
                  NOW, Mode.LIVE, size=0.5)


class _Clock:
    def now(self) -> datetime:
        return NOW

    def sleep_until(self, moment: datetime) -> None:
        return None


class _Down(PaperGateway):
    def place(self, order: MarketOrder) -> Execution | Rejection:
        raise BrokerUnavailable("the terminal is gone", outcome_unknown=True)


def test_the_runtime_opens_and_closes_through_a_gateway_and_books_its_fills() -> None:
    gateway = PaperGateway(_Clock())
    gateway.quote(BTC, 60_000.0)
    broker = GatewayBroker(gateway)
    opened = broker.open(_signal(), 0.5)
    assert isinstance(opened, Fill) and opened == gateway.find(_signal().signal_id).fill()  # type: ignore[union-attr]
    position = open_paper_position(Account.start(100_000, NOW), _signal(), 0.5,
                                   Instruments().spec_for(BTC)).positions[0]
    closed = broker.close(position, PaperExit(position.position_id, ExitReason.TAKE_PROFIT, NOW, 61_000.0))
    assert isinstance(closed, Fill) and closed.price < 61_000.0 and broker.name == "paper"
    other = broker.close(position, PaperExit("other", ExitReason.TIME, NOW + timedelta(minutes=1), 60_000.0))
    assert isinstance(other, Rejection) and other.code is RejectCode.NOT_FOUND


@pytest.mark.parametrize("lots", [0.0, math.nan, 10_000.0])
def test_impossible_sizes_are_refused_not_raised(lots: float) -> None:
    answer = GatewayBroker(PaperGateway(_Clock())).open(_signal(), lots)
    assert isinstance(answer, Rejection) and answer.code is RejectCode.INVALID_VOLUME


def test_an_order_whose_answer_was_lost_and_that_the_broker_never_got_is_refused() -> None:
    answer = GatewayBroker(_Down(_Clock())).open(_signal(), 0.5)
    assert isinstance(answer, Rejection) and "holds no position" in answer.reason


def test_the_dry_runs_paper_broker_says_why_it_refuses() -> None:
    from adapters.brokers.paper import PaperBroker

    xrp = attrs.evolve(_signal(), pair=Pair("XRPUSDT"), signal_id="XRPUSDT-20240301T1200Z-L")
    unknown, too_big = PaperBroker().open(xrp, 0.5), PaperBroker().open(_signal(), 100.0)
    assert isinstance(unknown, Rejection) and unknown.code is RejectCode.UNKNOWN_SYMBOL
    assert isinstance(too_big, Rejection) and too_big.code is RejectCode.INVALID_VOLUME and not too_big.retryable
