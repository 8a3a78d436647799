"""Builders shared by the domain tests (a plain module, imported by name)."""

from __future__ import annotations

from datetime import UTC, datetime

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
