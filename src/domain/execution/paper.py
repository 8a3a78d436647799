"""Paper trading of emitted signals: the dry-run account the FTMO guard watches.

A dry-run signal is filled at its entry paying a spread and slippage (the pair's p90 unless the
caller passes a draw from the execution model, domain.execution.sampling), held until its
take-profit or stop is touched by a later 1-minute candle, or until ``max_hold`` has passed, and
closed there paying costs again. A candle that touches both levels counts as the stop (the path
inside a minute is unknown, so the conservative reading wins). The same functions serve the
runtime, the backtest and the challenge simulator, so all three book trades alike.

The fill (``paper_open_fill``, ``paper_close_fill``) is the broker's part: the runtime reaches it
through its Broker port, whose paper adapter calls these. Booking a fill into the account
(``book_open``, ``book_close``) is the same for every broker, paper or live.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

import attrs
import numpy as np

from domain.execution.fills import Fill
from domain.execution.instruments import InstrumentSpec, fill_price_paying
from domain.execution.sampling import CostDraw
from domain.market.candles import MINUTE_MS, CandleWindow, Direction, datetime_to_ms, ms_to_datetime, require_utc
from domain.risk.account import Account, Position, close_position, open_position
from domain.signals.signal import Signal


class ExitReason(StrEnum):
    TAKE_PROFIT = "take_profit"
    STOP_LOSS = "stop_loss"
    TIME = "time"
    FLOOR = "floor"  # closed because equity crossed a loss floor


def _utc_at(value: datetime) -> datetime:
    return require_utc(value, "at")


@attrs.frozen
class PaperExit:
    """Where and why a position closes: ``level`` is the order price, before costs."""

    position_id: str
    reason: ExitReason
    at: datetime = attrs.field(converter=_utc_at)
    level: float


@attrs.frozen
class PaperClose:
    """A closed paper trade: the account after it, its money P/L and its result in R, where 1R
    is the money a stop-out at the planned size would have lost (costs included)."""

    account: Account
    position: Position
    exit: PaperExit
    fill: float
    pnl: float
    r_multiple: float


def paper_open_fill(signal: Signal, lots: float, spec: InstrumentSpec, paid: CostDraw | None = None) -> Fill:
    """The paper fill of ``signal`` at its entry and time, paying ``paid`` (default: the p90 costs
    the guard sized for) and the instrument's commission."""
    return _fill(signal.entry, signal.direction, True, lots, signal.created_at, spec, paid or CostDraw.p90(spec))


def book_open(account: Account, signal: Signal, fill: Fill, contract_size: float) -> Account:
    """Book a broker's fill of ``signal`` (paper or live) into the account the guard watches; the
    opening commission enters equity at once."""
    position = Position(
        position_id=signal.signal_id, pair=signal.pair, direction=signal.direction, lots=fill.lots, entry=fill.price,
        mark=signal.entry, contract_size=contract_size, opened_at=fill.at, stop=signal.stop_loss,
        commission=fill.commission, take_profit=signal.take_profit, pattern=signal.pattern,
    )
    return open_position(account, position, fill.at)


def open_paper_position(account: Account, signal: Signal, lots: float, spec: InstrumentSpec) -> Account:
    """Fill ``signal`` on paper and book it: for callers without a broker (tests, simulations)."""
    return book_open(account, signal, paper_open_fill(signal, lots, spec), spec.contract_size)


def find_exit(position: Position, window: CandleWindow, max_hold: timedelta) -> PaperExit | None:
    """The first candle that opened at or after the position and touches a level, else a time
    exit at the close of the candle that ends ``max_hold`` after opening; None while still open."""
    opened_ms = datetime_to_ms(position.opened_at)
    deadline_ms = opened_ms + int(max_hold.total_seconds() * 1000)
    after = (window.open_time_ms >= opened_ms) & (window.open_time_ms + MINUTE_MS <= deadline_ms)
    index = np.flatnonzero(after)
    if len(index):
        hit = _first_touch(position, window, index)
        if hit is not None:
            return hit
    # Normally the candle that ends at the deadline; after a data gap, the first one seen past it,
    # whose open is the first price there was to close at.
    ended = np.flatnonzero(window.open_time_ms + MINUTE_MS >= deadline_ms)
    if not len(ended):
        return None
    i = int(ended[0])
    on_time = int(window.open_time_ms[i]) + MINUTE_MS == deadline_ms
    at = _close_time(window, i) if on_time else ms_to_datetime(int(window.open_time_ms[i]))
    return PaperExit(position.position_id, ExitReason.TIME, at, float(window.close[i] if on_time else window.open[i]))


def _first_touch(position: Position, window: CandleWindow, index: np.ndarray) -> PaperExit | None:
    high, low = window.high[index], window.low[index]
    long = position.direction is Direction.LONG
    never = np.zeros(len(index), dtype=bool)
    stop, target = position.stop, position.take_profit
    stop_hit = never if stop is None else (low <= stop if long else high >= stop)
    tp_hit = never if target is None else (high >= target if long else low <= target)
    touched = np.flatnonzero(stop_hit | tp_hit)
    if not len(touched):
        return None
    k = int(touched[0])
    at = _close_time(window, int(index[k]))
    if stop is not None and stop_hit[k]:
        return PaperExit(position.position_id, ExitReason.STOP_LOSS, at, stop)
    return PaperExit(position.position_id, ExitReason.TAKE_PROFIT, at, float(target or 0.0))


def _close_time(window: CandleWindow, i: int) -> datetime:
    return ms_to_datetime(int(window.open_time_ms[i]) + MINUTE_MS)


def paper_close_fill(position: Position, exit: PaperExit, spec: InstrumentSpec, paid: CostDraw | None = None) -> Fill:
    """The paper fill closing all of ``position`` at the exit's level and time, paying ``paid``
    (default: the p90 costs)."""
    return _fill(exit.level, position.direction, False, position.lots, exit.at, spec, paid or CostDraw.p90(spec))


def _fill(level: float, direction: Direction, opening: bool, lots: float, at: datetime, spec: InstrumentSpec,
          paid: CostDraw) -> Fill:
    price = fill_price_paying(level, direction, opening, paid.spread_bps, paid.slippage_bps)
    return Fill(price, lots, spec.commission(price, lots), at, paid.spread_bps, paid.slippage_bps)


def book_close(account: Account, exit: PaperExit, fill: Fill, spec: InstrumentSpec) -> PaperClose:
    """Book a broker's closing fill; ``spec`` prices the 1R the guard sized the trade for."""
    position = account.position(exit.position_id)
    closed = close_position(account, position.position_id, fill.price, fill.at, fill.commission)
    pnl = position.price_pnl(fill.price) + position.swap - position.commission - fill.commission
    one_r = _planned_loss(position, spec)
    return PaperClose(closed, position, exit, fill.price, pnl, pnl / one_r if one_r > 0 else 0.0)


def close_paper_position(account: Account, exit: PaperExit, spec: InstrumentSpec) -> PaperClose:
    """Close on paper and book it: for callers without a broker (tests, simulations)."""
    fill = paper_close_fill(account.position(exit.position_id), exit, spec)
    return book_close(account, exit, fill, spec)


def _planned_loss(position: Position, spec: InstrumentSpec) -> float:
    """The stop-out loss the guard sized the trade for (entry already holds the opening cost)."""
    if position.stop is None:
        return 0.0
    stop_fill = spec.fill_price(position.stop, position.direction, opening=False)
    price_loss = position.direction.sign * (position.entry - stop_fill) * position.units
    return price_loss + position.commission + spec.commission(stop_fill, position.lots)
