"""Checks and figures every live broker applies alike to a market order: the volume it may send,
the price deviation in the broker's points, and the costs a fill paid."""

from __future__ import annotations

import math
from datetime import timedelta

import attrs

from application.brokers.symbols import SymbolMap
from application.brokers.values import MarketOrder, SymbolSpec
from domain.execution.fills import RejectCode, Rejection
from domain.execution.instruments import BPS, Instruments

MAX_LOTS = 5.0  # the plan's cap per order, whatever the symbol allows
DEFAULT_MAGIC = 2_100_514
_EPSILON = 1e-9


@attrs.frozen
class LiveSetup:
    """What every live broker adapter trades with: the pairs' symbols at the broker, the contract
    sizes the guard sizes with (checked against the broker's), the magic number marking this
    runtime's orders, and how far back an order is looked for by its client id."""

    symbols: SymbolMap = attrs.field(factory=SymbolMap)
    instruments: Instruments = attrs.field(factory=Instruments.defaults)
    magic: int = DEFAULT_MAGIC
    lookback: timedelta = timedelta(days=7)


def sendable(order: MarketOrder, spec: SymbolSpec | None,
             instruments: Instruments) -> tuple[SymbolSpec, float] | Rejection:
    """The broker's symbol for ``order`` with the volume to send (lots_to_send), or why not: a pair
    the broker does not trade (``spec`` None) is refused as an unknown symbol."""
    if spec is None:
        return Rejection(f"{order.client_id}: {order.pair} has no symbol at the broker", RejectCode.UNKNOWN_SYMBOL)
    lots = lots_to_send(order, spec, instruments)
    return lots if isinstance(lots, Rejection) else (spec, lots)


def lots_to_send(order: MarketOrder, spec: SymbolSpec, instruments: Instruments) -> float | Rejection:
    """The volume to send for ``order``: its lots rounded down to the symbol's step, or a Rejection
    when that leaves the symbol's limits or the 5-lot cap, or when the broker's contract size is
    not the one the guard sized with (ETHUSD is 10 ETH a lot at FTMO: a wrong size risks 10 times
    the plan)."""
    expected = instruments.find(order.pair)
    if expected is None:
        return Rejection(f"{order.client_id}: no instrument spec for {order.pair}", RejectCode.UNKNOWN_SYMBOL)
    if not math.isclose(expected.contract_size, spec.contract_size, rel_tol=1e-9):
        return Rejection(f"{order.client_id}: {spec.symbol} is {spec.contract_size:g} units a lot at the broker, "
                         f"the guard sizes {order.pair} with {expected.contract_size:g}", RejectCode.SYMBOL_MISMATCH)
    limit = min(MAX_LOTS, spec.volume_max)
    if order.lots > limit + _EPSILON:
        return Rejection(f"{order.client_id}: {order.lots:g} lots above the limit of {limit:g}",
                         RejectCode.INVALID_VOLUME)
    steps = math.floor(order.lots / spec.volume_step + _EPSILON)
    lots = round(steps * spec.volume_step, 8)
    if lots < spec.volume_min - _EPSILON:
        return Rejection(f"{order.client_id}: {order.lots:g} lots below {spec.symbol}'s minimum of "
                         f"{spec.volume_min:g} (step {spec.volume_step:g})", RejectCode.INVALID_VOLUME)
    return lots


def deviation_points(price: float, deviation_bps: float, spec: SymbolSpec) -> int:
    """``deviation_bps`` of ``price`` in the symbol's points, rounded up (MT5 and MetaApi take points)."""
    return max(0, math.ceil(price * deviation_bps / BPS / spec.point - _EPSILON))


def paid_costs(price: float, expected: float, bid: float, ask: float, buying: bool) -> tuple[float, float]:
    """The spread (bps of mid) and slippage (bps, positive adverse) of a fill at ``price`` of an
    order decided at ``expected`` while the book stood at ``bid``/``ask``. Decomposed as the paper
    fill is built (half the spread, then slippage, off the expected price), so that paper and live
    fills compare."""
    mid = (bid + ask) / 2
    spread = (ask - bid) / mid * BPS
    adverse = (price - expected) / expected * BPS * (1 if buying else -1)
    return spread, adverse - spread / 2
