"""Instrument specs, the stop-out cost model and position sizing."""

from __future__ import annotations

import pytest

from domain.execution.instruments import Instruments, InstrumentSpec
from domain.market.candles import Direction, Pair
from domain.risk import SizingSettings, largest_lots, open_risk, size_position
from tests.unit.domain.builders import BTC, ETH, account, position

FREE = InstrumentSpec("BTC", contract_size=1, commission_rate=0, spread_p90_bps=0, slippage_p90_bps=0)


def test_default_specs_follow_ftmo() -> None:
    catalogue = Instruments.defaults()
    assert catalogue.spec_for(Pair("ETHUSD")).contract_size == 10
    assert catalogue.spec_for(Pair("ETHUSDT")).contract_size == 10  # exchange pairs share the CFD's spec
    assert catalogue.spec_for(Pair("BTCUSDT")).contract_size == 1
    assert catalogue.spec_for(Pair("BNBUSD")).contract_size == 1
    spec = catalogue.spec_for(BTC)
    assert (spec.commission_rate, spec.max_lots, spec.lot_step) == (0.000325, 5.0, 0.01)
    with pytest.raises(LookupError, match="SOLUSD"):
        catalogue.spec_for(Pair("SOLUSD"))


def test_specs_are_overridable() -> None:
    measured = InstrumentSpec("BTC", contract_size=1, spread_p90_bps=4, slippage_p90_bps=2)
    catalogue = Instruments.defaults().with_spec(measured)
    assert catalogue.spec_for(BTC).spread_p90_bps == 4
    assert catalogue.spec_for(ETH).contract_size == 10
    with pytest.raises(ValueError, match="duplicate"):
        Instruments((measured, measured))
    with pytest.raises(ValueError, match="contract_size"):
        InstrumentSpec("BTC", contract_size=0)


def test_stop_out_loss_pays_spread_slippage_and_commission_on_both_fills() -> None:
    spec = InstrumentSpec("BTC", contract_size=1, commission_rate=0.000325, spread_p90_bps=10, slippage_p90_bps=5)
    # each fill loses half the spread plus the slippage: 10 bps
    long_loss = spec.stop_out_loss(Direction.LONG, 82_000, 81_000, 1.0)
    opened, closed = 82_000 * 1.001, 81_000 * 0.999
    assert long_loss == pytest.approx(opened - closed + 0.000325 * (opened + closed))
    short_loss = spec.stop_out_loss(Direction.SHORT, 81_000, 82_000, 1.0)
    assert short_loss == pytest.approx(82_000 * 1.001 - 81_000 * 0.999 + 0.000325 * (81_000 * 0.999 + 82_000 * 1.001))
    assert FREE.stop_out_loss(Direction.LONG, 82_000, 81_000, 2.0) == pytest.approx(2_000)
    eth = Instruments.defaults().spec_for(ETH)
    assert eth.stop_out_loss(Direction.LONG, 2000, 1900, 1.0) > 100 * 10  # ten ETH per lot


def test_sizing_takes_the_risk_budget_when_the_floors_allow() -> None:
    sized = size_position(spec=FREE, direction=Direction.LONG, entry=60_000, stop=59_000, balance=100_000,
                          headroom=10_000, settings=SizingSettings(risk_per_trade_pct=1.0))
    assert sized.risk_budget == 1_000
    assert sized.suggested_size == 1.0
    assert sized.max_size == 5.0  # capped by max lots, not the 10-lot headroom


def test_sizing_never_exceeds_the_headroom_to_the_floors() -> None:
    sized = size_position(spec=FREE, direction=Direction.LONG, entry=60_000, stop=59_000, balance=100_000,
                          headroom=734, settings=SizingSettings(risk_per_trade_pct=1.0))
    assert sized.suggested_size == 0.73 and sized.max_size == 0.73


def test_sizing_is_zero_when_not_even_the_minimum_lot_fits() -> None:
    sized = size_position(spec=FREE, direction=Direction.LONG, entry=60_000, stop=59_000, balance=100_000,
                          headroom=9.99, settings=SizingSettings())
    assert sized.suggested_size == 0 and sized.max_size == 0
    assert largest_lots(FREE, Direction.LONG, 60_000, 59_000, budget=-5, cap=5) == 0


def test_backoff_multiplier_halves_the_budget() -> None:
    sized = size_position(spec=FREE, direction=Direction.SHORT, entry=60_000, stop=61_000, balance=100_000,
                          headroom=10_000, settings=SizingSettings(), risk_multiplier=0.5)
    assert sized.suggested_size == 0.5
    with pytest.raises(ValueError):
        size_position(spec=FREE, direction=Direction.SHORT, entry=60_000, stop=61_000, balance=100_000,
                      headroom=1, settings=SizingSettings(), risk_multiplier=1.5)


def test_lot_rounding_does_not_overshoot_on_binary_noise() -> None:
    # 0.3 lots at a 1,000 stop is exactly the 300 budget; 0.1 * 3 in binary floats is 0.30000000000000004
    assert largest_lots(FREE, Direction.LONG, 60_000, 59_000, budget=300, cap=5) == 0.3
    assert largest_lots(FREE, Direction.LONG, 60_000, 59_000, budget=299.99, cap=5) == 0.29


def test_open_risk_counts_positions_to_their_stops_with_closing_costs() -> None:
    with_stop = position(BTC, Direction.LONG, lots=1, entry=60_000, mark=59_500, stop=59_000)
    no_stop = position(BTC, Direction.SHORT, lots=1, entry=60_000, position_id="p2")
    acc = account(positions=(with_stop, no_stop))
    free = Instruments((FREE,))
    assert open_risk(acc, free) == pytest.approx(500)
    costly = open_risk(acc, Instruments.defaults())
    closed = 59_000 * (1 - 10 / 10_000)
    assert costly == pytest.approx(59_500 - closed + 0.000325 * closed)
    past_stop = account(positions=(position(mark=58_000, stop=59_000),))
    assert open_risk(past_stop, free) == 0  # a stop above the mark adds no further loss


def test_bnb_is_found_although_its_symbol_ends_in_busd() -> None:
    assert Instruments.defaults().spec_for(Pair("BNBUSDT")).base == "BNB"
    assert Instruments.defaults().find(Pair("BUSDUSD")) is None
