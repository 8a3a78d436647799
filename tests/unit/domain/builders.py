"""Builders shared by the domain tests (a plain module, imported by name)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from domain.execution.costs import Distribution, ExecutionModel, Figure, SessionCosts, SessionSamples
from domain.execution.instruments import Instruments
from domain.market.candles import Direction, Pair
from domain.risk import Account, Position

BTC = Pair("BTCUSD")
ETH = Pair("ETHUSD")
BNB = Pair("BNBUSD")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def account(balance: float = 100_000.0, day_start: float | None = None, initial: float = 100_000.0,
            now: datetime | None = None, highest: float | None = None, positions: tuple[Position, ...] = ()) -> Account:
    now = now or utc(2025, 6, 10, 12)
    start = Account.start(initial, now)
    day_start = initial if day_start is None else day_start
    return Account(initial_balance=initial, balance=balance, day=start.day, day_start_balance=day_start,
                   highest_eod_balance=highest if highest is not None else max(initial, day_start),
                   positions=positions)


def position(pair: Pair = BTC, direction: Direction = Direction.LONG, lots: float = 1.0, entry: float = 60_000.0,
             mark: float | None = None, stop: float | None = None, contract_size: float = 1.0,
             commission: float = 0.0, swap: float = 0.0, position_id: str = "p1",
             opened_at: datetime | None = None) -> Position:
    return Position(position_id=position_id, pair=pair, direction=direction, lots=lots, entry=entry,
                    mark=entry if mark is None else mark, contract_size=contract_size,
                    opened_at=opened_at or utc(2025, 6, 10, 9), stop=stop, commission=commission, swap=swap)


# Spread (bps) of each session in disjoint ranges, so a draw tells which session it came from;
# slippage is a tenth of it. Times inside one session only (winter, a Friday):
SESSION_RANGES = {"tokyo": (1.0, 2.0), "london": (10.0, 11.0), "new_york": (20.0, 21.0), "off_hours": (30.0, 31.0)}
SESSION_TIMES = {"tokyo": utc(2024, 3, 1, 3), "london": utc(2024, 3, 1, 10), "new_york": utc(2024, 3, 1, 18),
                 "off_hours": utc(2024, 3, 1, 23)}


def disjoint_session_model(base: str = "BTC") -> ExecutionModel:
    spread = {s: np.linspace(lo, hi, 200) for s, (lo, hi) in SESSION_RANGES.items()}
    pooled = np.concatenate(list(spread.values()))
    slippage = {s: v / 10 for s, v in spread.items()}
    return ExecutionModel.from_samples({base: SessionSamples(pooled, spread)},
                                       {base: SessionSamples(pooled / 10, slippage)}, 100, Instruments())


def constant_p90_model(instruments: Instruments | None = None) -> ExecutionModel:
    """Every instrument's p90s as constant distributions in every session: the placeholders as a model."""
    catalogue = instruments or Instruments()
    costs = {(spec.base, session): SessionCosts(Figure(Distribution.constant(spec.spread_p90_bps), "default"),
                                                Figure(Distribution.constant(spec.slippage_p90_bps), "default"))
             for spec in catalogue.specs for session in SESSION_RANGES}
    return ExecutionModel(costs, catalogue)
