"""Position sizing: the risk per trade, capped by what both internal floors can absorb.

Loss is measured as a stop-out with p90 costs (see InstrumentSpec.stop_out_loss), so the size
returned here is one the guard allows by construction.
"""

from __future__ import annotations

import math

import attrs
import numpy as np

from domain.execution.instruments import Instruments, InstrumentSpec
from domain.market.candles import Direction
from domain.risk.account import Account
from domain.risk.rules import Money

_LOT_DECIMALS = 8  # lot steps are decimal (0.01); rounding removes binary noise such as 0.30000000000000004


@attrs.frozen
class SizingSettings:
    risk_per_trade_pct: float = 1.0  # of balance, lost when the stop is hit with p90 costs

    def __attrs_post_init__(self) -> None:
        if not 0 < self.risk_per_trade_pct <= 100:
            raise ValueError(f"risk_per_trade_pct must be within (0, 100], got {self.risk_per_trade_pct}")


@attrs.frozen
class Sizing:
    """``max_size``: the largest tradable size the floors and max lots allow. ``suggested_size``:
    the same, also within the risk budget. Both 0 when not even the minimum lot fits."""

    loss_per_lot: float
    risk_budget: float
    headroom: float
    max_size: float
    suggested_size: float


def open_risk(account: Account, instruments: Instruments) -> float:
    """Further loss if every open position with a stop were closed there with p90 costs. A
    position without a stop adds nothing it can be bounded by; the floors still watch its mark."""
    total = 0.0
    for p in account.positions:
        if p.stop is None:
            continue
        spec = instruments.find(p.pair) or InstrumentSpec(p.pair.base, contract_size=p.contract_size)
        spec = attrs.evolve(spec, contract_size=p.contract_size)
        total += spec.close_loss(p.direction, p.mark, p.stop, p.lots)
    return total


@attrs.frozen
class MinLotStopOut:
    """What a minimum-lot stop-out of a new trade loses, as ``entry * per_entry + distance *
    per_distance`` for each direction: the fills, the price move and the commissions are all linear
    in the entry and in the stop's distance from it (InstrumentSpec.stop_out_loss). Both
    coefficients are positive, so the loss grows with the entry and with the distance."""

    long: tuple[float, float]
    short: tuple[float, float]

    @classmethod
    def of(cls, spec: InstrumentSpec) -> MinLotStopOut:
        def coefficients(direction: Direction) -> tuple[float, float]:
            at_entry = spec.stop_out_loss(direction, 1.0, 1.0, spec.min_lots)
            one_away = spec.stop_out_loss(direction, 1.0, 1.0 - direction.sign, spec.min_lots)
            return at_entry, one_away - at_entry

        return cls(coefficients(Direction.LONG), coefficients(Direction.SHORT))

    def least(self, entry: Money, distance: Money) -> Money:
        """The smaller of the two directions' losses for a stop at least ``distance`` away (arrays welcome)."""
        (long_entry, long_distance), (short_entry, short_distance) = self.long, self.short
        return np.minimum(entry * long_entry + distance * long_distance,  # type: ignore[no-any-return]
                          entry * short_entry + distance * short_distance)


def largest_lots(spec: InstrumentSpec, direction: Direction, entry: float, stop: float, budget: float,
                 cap: float) -> float:
    """The largest multiple of the lot step, at most ``cap``, whose stop-out loses at most
    ``budget``; 0 below the minimum lot."""
    if budget <= 0 or cap <= 0:
        return 0.0
    per_lot = spec.stop_out_loss(direction, entry, stop, 1.0)
    steps = math.floor(min(cap, budget / per_lot) / spec.lot_step + 1e-9)
    # Float noise may put the rounded size a hair over the budget or cap: step down until it fits.
    while steps > 0:
        lots = round(steps * spec.lot_step, _LOT_DECIMALS)
        if lots <= cap and spec.stop_out_loss(direction, entry, stop, lots) <= budget:
            return lots if lots >= spec.min_lots else 0.0
        steps -= 1
    return 0.0


def size_position(*, spec: InstrumentSpec, direction: Direction, entry: float, stop: float, balance: float,
                  headroom: float, settings: SizingSettings, risk_multiplier: float = 1.0) -> Sizing:
    """``headroom``: equity (less open risk) above the higher internal floor.
    ``risk_multiplier`` scales the risk budget down during a loss backoff."""
    if not 0 <= risk_multiplier <= 1:
        raise ValueError(f"risk_multiplier must be within [0, 1], got {risk_multiplier}")
    budget = max(0.0, balance) * settings.risk_per_trade_pct / 100 * risk_multiplier
    max_size = largest_lots(spec, direction, entry, stop, headroom, spec.max_lots)
    suggested = largest_lots(spec, direction, entry, stop, min(budget, headroom), spec.max_lots)
    return Sizing(spec.stop_out_loss(direction, entry, stop, 1.0), budget, headroom, max_size, suggested)
