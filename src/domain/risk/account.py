"""The account as FTMO measures it: balance, equity marked to market, and the day-start balance
taken at the last midnight in Prague.

Every change is a pure function returning a new Account. Each one first rolls the account to the
Prague day of ``now``, so the day-start balance is the balance at the midnight that began the day
even when nothing happened for days.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs

from domain.market.candles import Direction, Pair, require_utc
from domain.signals.patterns import PatternKey

PRAGUE = "Europe/Prague"


def trading_day(now: datetime, timezone: str = PRAGUE) -> date:
    """The FTMO day containing ``now``: the local date in Prague (CET in winter, CEST in summer)."""
    return require_utc(now, "now").astimezone(ZoneInfo(timezone)).date()


def _utc(value: datetime) -> datetime:
    return require_utc(value, "opened_at")


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be > 0, got {value!r}")


@attrs.frozen
class Position:
    """An open position. ``commission`` is what has been charged on it so far (a cost, >= 0) and
    ``swap`` the signed swap accrued (negative is a cost); both count in equity, not yet in balance."""

    position_id: str
    pair: Pair
    direction: Direction
    lots: float = attrs.field(validator=_positive)
    entry: float = attrs.field(validator=_positive)
    mark: float = attrs.field(validator=_positive)
    contract_size: float = attrs.field(validator=_positive)
    opened_at: datetime = attrs.field(converter=_utc)
    stop: float | None = None
    commission: float = 0.0
    swap: float = 0.0
    take_profit: float | None = None
    # the signal's pattern: its outcome is counted when the position closes, after a restart too
    pattern: PatternKey | None = None

    def __attrs_post_init__(self) -> None:
        if not self.position_id:
            raise ValueError("position_id must not be empty")
        if self.commission < 0:
            raise ValueError(f"{self.position_id}: commission is a cost and must be >= 0, got {self.commission}")
        if self.stop is not None and not self.stop > 0:
            raise ValueError(f"{self.position_id}: stop must be > 0, got {self.stop}")
        if self.take_profit is not None and not self.take_profit > 0:
            raise ValueError(f"{self.position_id}: take_profit must be > 0, got {self.take_profit}")

    @property
    def units(self) -> float:
        return self.lots * self.contract_size

    def price_pnl(self, price: float) -> float:
        return self.direction.sign * (price - self.entry) * self.units

    @property
    def unrealized_pnl(self) -> float:
        return self.price_pnl(self.mark) + self.swap - self.commission


@attrs.frozen
class DayResult:
    """A finished Prague day: the balance at its first and at its last midnight."""

    day: date
    start_balance: float
    end_balance: float

    @property
    def profit(self) -> float:
        return self.end_balance - self.start_balance


def _positions(value: Iterable[Position]) -> tuple[Position, ...]:
    positions = tuple(value)
    ids = [p.position_id for p in positions]
    if len(set(ids)) != len(ids):
        raise ValueError(f"duplicate position ids: {sorted({i for i in ids if ids.count(i) > 1})}")
    return positions


def _days(value: Iterable[date]) -> frozenset[date]:
    return frozenset(value)


def _history(value: Iterable[DayResult]) -> tuple[DayResult, ...]:
    return tuple(value)


@attrs.frozen
class Account:
    """Balance excludes open positions; equity includes them at their marks.

    ``day`` is the Prague date whose midnight balance is ``day_start_balance``;
    ``highest_eod_balance`` is the highest balance at any Prague midnight, the initial balance
    included (the 1-Step maximum loss trails it).
    """

    initial_balance: float = attrs.field(validator=_positive)
    balance: float
    day: date
    day_start_balance: float
    highest_eod_balance: float
    positions: tuple[Position, ...] = attrs.field(default=(), converter=_positions)
    trading_days: frozenset[date] = attrs.field(default=frozenset(), converter=_days)
    history: tuple[DayResult, ...] = attrs.field(default=(), converter=_history)
    timezone: str = PRAGUE
    # live: the broker's equity minus the book's at the last sync (sync_with_broker): its own marks,
    # swaps and any position the book does not hold; 0 for paper
    equity_gap: float = 0.0

    def __attrs_post_init__(self) -> None:
        ZoneInfo(self.timezone)
        if not math.isfinite(self.equity_gap):
            raise ValueError(f"equity_gap must be finite, got {self.equity_gap!r}")
        floor = max(self.initial_balance, self.day_start_balance)
        if self.highest_eod_balance < floor:
            raise ValueError(
                f"highest_eod_balance {self.highest_eod_balance} is below max(initial balance, day-start balance) "
                f"= {floor}: both are end-of-day balances"
            )

    @classmethod
    def start(cls, initial_balance: float, now: datetime, timezone: str = PRAGUE) -> Account:
        """A fresh challenge: on day one the daily reference is the initial balance."""
        return cls(
            initial_balance=initial_balance,
            balance=initial_balance,
            day=trading_day(now, timezone),
            day_start_balance=initial_balance,
            highest_eod_balance=initial_balance,
            timezone=timezone,
        )

    @property
    def unrealized_pnl(self) -> float:
        return sum((p.unrealized_pnl for p in self.positions), 0.0)

    @property
    def equity(self) -> float:
        return self.balance + self.unrealized_pnl + self.equity_gap

    @property
    def realized_pnl(self) -> float:
        return self.balance - self.initial_balance

    @property
    def day_pnl(self) -> float:
        """Today's result as FTMO's daily loss sees it: equity against the day-start balance."""
        return self.equity - self.day_start_balance

    def position(self, position_id: str) -> Position:
        for p in self.positions:
            if p.position_id == position_id:
                return p
        raise KeyError(f"no open position {position_id!r}")


def roll_to(account: Account, now: datetime) -> Account:
    """Close the days that ended before ``now``: the balance at each midnight passed becomes an
    end-of-day balance, and the last one the new day-start balance. Going back in time is refused."""
    today = trading_day(now, account.timezone)
    if today < account.day:
        raise ValueError(f"cannot roll the account back from {account.day} to {today}")
    if today == account.day:
        return account
    # The days skipped in between had no fills, so each starts and ends at the current balance.
    finished = DayResult(account.day, account.day_start_balance, account.balance)
    return attrs.evolve(
        account,
        day=today,
        day_start_balance=account.balance,
        highest_eod_balance=max(account.highest_eod_balance, account.balance),
        history=(*account.history, finished),
    )


def open_position(account: Account, position: Position, now: datetime) -> Account:
    """Open ``position`` (its opening commission in ``position.commission``); the day counts as a
    trading day."""
    rolled = roll_to(account, now)
    return attrs.evolve(
        rolled,
        positions=(*rolled.positions, position),
        trading_days=rolled.trading_days | {rolled.day},
    )


def close_position(account: Account, position_id: str, price: float, now: datetime,
                   closing_commission: float = 0.0) -> Account:
    """Realise a position at fill ``price``: price P/L, swap and both commissions enter the balance."""
    if not price > 0 or closing_commission < 0:
        raise ValueError(f"close needs price > 0 and commission >= 0, got {price}, {closing_commission}")
    rolled = roll_to(account, now)
    closing = rolled.position(position_id)
    realized = closing.price_pnl(price) + closing.swap - closing.commission - closing_commission
    return attrs.evolve(
        rolled,
        balance=rolled.balance + realized,
        positions=tuple(p for p in rolled.positions if p.position_id != position_id),
    )


def day_opened_at(day: date, timezone: str = PRAGUE) -> datetime:
    """The midnight (in ``timezone``) that opens ``day``, as an aware UTC time."""
    return datetime.combine(day, time(0), ZoneInfo(timezone)).astimezone(UTC)


def rebase_day_start(account: Account, balance: float) -> Account:
    """Live: ``balance`` is the broker's balance at the midnight that opened ``account.day``, which
    replaces the book's day-start balance (the book knows only what it saw: on the first live day
    the configured initial balance, after a restart the balance of its last scan before midnight).
    The day before it, when the book holds it, ends at that balance too, and the highest end-of-day
    balance (the 1-Step trailing floor's) takes it in."""
    if not (math.isfinite(balance) and balance > 0):
        raise ValueError(f"the broker's day-start balance must be finite and > 0, got {balance!r}")
    history = account.history
    if history and history[-1].day == account.day - timedelta(days=1):
        history = (*history[:-1], attrs.evolve(history[-1], end_balance=balance))
    return attrs.evolve(account, day_start_balance=balance, history=history,
                        highest_eod_balance=max(account.highest_eod_balance, balance))


def sync_with_broker(account: Account, balance: float, equity: float) -> Account:
    """Live: the broker's balance is the balance (its real fills, commissions and swaps) and its
    equity the equity. The equity is kept as a gap over the book's marks, so that a position opened
    before the next sync still moves it."""
    if not (math.isfinite(balance) and math.isfinite(equity)):
        raise ValueError(f"the broker's balance and equity must be finite, got {balance!r}, {equity!r}")
    synced = attrs.evolve(account, balance=balance, equity_gap=0.0)
    return attrs.evolve(synced, equity_gap=equity - synced.equity)


def mark_to_market(account: Account, marks: Mapping[Pair, float], now: datetime) -> Account:
    """Re-mark the open positions of the pairs in ``marks``; others keep their last mark."""
    rolled = roll_to(account, now)
    for pair, price in marks.items():
        if not price > 0:
            raise ValueError(f"mark for {pair} must be > 0, got {price}")
    return attrs.evolve(
        rolled,
        positions=tuple(attrs.evolve(p, mark=marks[p.pair]) if p.pair in marks else p for p in rolled.positions),
    )


def accrue_swap(account: Account, position_id: str, amount: float, now: datetime) -> Account:
    rolled = roll_to(account, now)
    target = rolled.position(position_id)
    updated = attrs.evolve(target, swap=target.swap + amount)
    return attrs.evolve(
        rolled, positions=tuple(updated if p.position_id == position_id else p for p in rolled.positions)
    )
