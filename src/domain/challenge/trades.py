"""A backtest's closed trades as the challenge simulator reads them: in the challenge account's
money, placed on Prague days.

The trades' P/L was made on the backtest's account. ``Scaling`` says how it is carried over to a
challenge account, and only one of two ways, both stated in every output:

- ``share`` (the default): each trade's P/L and its 1R as a share of the backtest's initial
  balance, applied to the challenge account. It keeps the sizes the backtest's guard chose (its
  risk per trade, the lots it cut near a floor), measured against the initial balance as FTMO
  measures every limit.
- ``r``: each trade re-sized to risk ``risk_pct`` % of the initial balance: P/L = R x that risk.

A trade's worst excursion is unknown from closed trades: the simulator takes the worst case the
record allows, the stop-out loss the trade was sized for (1R), or its realised loss where that
was larger (slippage, the latency penalty).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import attrs
import numpy as np
import numpy.typing as npt

from domain.market.candles import require_utc
from domain.risk.account import PRAGUE, trading_day

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _opened(value: datetime) -> datetime:
    return require_utc(value, "opened_at")


def _closed(value: datetime) -> datetime:
    return require_utc(value, "closed_at")


@attrs.frozen
class BacktestTrade:
    """One closed trade of a backtest, in the backtest account's money. ``one_r``: the stop-out
    loss it was sized for (costs included, > 0), None when the record cannot tell."""

    signal_id: str
    opened_at: datetime = attrs.field(converter=_opened)
    closed_at: datetime = attrs.field(converter=_closed)
    pnl: float
    one_r: float | None

    def __attrs_post_init__(self) -> None:
        if self.closed_at < self.opened_at:
            raise ValueError(f"{self.signal_id}: closed at {self.closed_at} before it opened at {self.opened_at}")
        if not math.isfinite(self.pnl):
            raise ValueError(f"{self.signal_id}: P/L must be finite, got {self.pnl!r}")
        if self.one_r is not None and not (math.isfinite(self.one_r) and self.one_r > 0):
            raise ValueError(f"{self.signal_id}: 1R must be finite and > 0, got {self.one_r!r}")


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{attribute.name} must be finite and > 0, got {value!r}")


@attrs.frozen
class Scaling:
    """How backtest money becomes challenge money (see the module's docstring)."""

    backtest_balance: float = attrs.field(validator=_positive)
    account_size: float = attrs.field(validator=_positive)
    risk_pct: float | None = None

    def __attrs_post_init__(self) -> None:
        if self.risk_pct is not None and not (math.isfinite(self.risk_pct) and 0 < self.risk_pct <= 100):
            raise ValueError(f"risk_pct must be within (0, 100], got {self.risk_pct!r}")

    def apply(self, pnl: FloatArray, one_r: FloatArray) -> tuple[FloatArray, FloatArray]:
        """(P/L, 1R) on the challenge account, from the backtest's P/L and 1R."""
        if self.risk_pct is None:
            factor = self.account_size / self.backtest_balance
            return pnl * factor, one_r * factor
        risk = np.full_like(one_r, self.risk_pct / 100 * self.account_size)
        return pnl / one_r * risk, risk

    def describe(self) -> str:
        if self.risk_pct is None:
            return (f"each trade's P/L and 1R as a share of the backtest's initial balance "
                    f"{self.backtest_balance:,.2f}, applied to a challenge account of {self.account_size:,.2f}")
        return (f"each trade re-sized to risk {self.risk_pct:g} % of a challenge account of "
                f"{self.account_size:,.2f}: P/L = R x {self.risk_pct / 100 * self.account_size:,.2f}")


def recovered_one_r(trades: Sequence[BacktestTrade]) -> tuple[FloatArray, int]:
    """Each trade's 1R, the median of the known ones where a record cannot tell (a P/L of exactly
    0 has no R to divide by); with how many were filled in."""
    known = [t.one_r for t in trades if t.one_r is not None]
    if not known:
        raise ValueError("no trade's 1R can be recovered (every P/L or R is 0): nothing to size the challenge by")
    fill = float(np.median(known))
    return np.array([fill if t.one_r is None else t.one_r for t in trades], dtype=np.float64), len(trades) - len(known)


# Event times are kept as (Prague day, milliseconds since that day's midnight). A Prague day lasts
# 23 to 25 hours, so this many milliseconds per day keeps every key of a day below the next day's.
DAY_KEY_MS = 100_000_000


@attrs.frozen(eq=False)
class Timeline:
    """The trades sorted by opening, on Prague days counted from ``first_day``: ``open_day`` the
    day a trade opened (the day it counts as a trading day), ``close_day`` the day it closed, and
    ``*_ms`` the milliseconds since that day's Prague midnight. ``pnl`` and ``risk`` (1R) are in
    challenge money; ``worst`` is the worst excursion assumed while it is open."""

    first_day: date
    days: int
    signal_ids: tuple[str, ...]
    open_day: IntArray
    open_ms: IntArray
    close_day: IntArray
    close_ms: IntArray
    pnl: FloatArray
    risk: FloatArray
    one_r_filled: int = 0  # trades whose 1R was unknown and took the median
    timezone: str = PRAGUE

    @property
    def worst(self) -> FloatArray:
        return np.minimum(self.pnl, -self.risk)

    @property
    def day_bounds(self) -> IntArray:
        """Trades opened on day ``d`` are ``[bounds[d], bounds[d + 1])``."""
        return np.searchsorted(self.open_day, np.arange(self.days + 1)).astype(np.int64)

    def date_of(self, day: int) -> date:
        return self.first_day + timedelta(days=day)


def timeline(trades: Sequence[BacktestTrade], scaling: Scaling, period: tuple[date, date] | None = None,
             timezone: str = PRAGUE) -> Timeline:
    """Place ``trades`` on the Prague days of ``period`` (widened to hold every trade)."""
    if not trades:
        raise ValueError("no trades to simulate a challenge with")
    ordered = sorted(trades, key=lambda t: (t.opened_at, t.closed_at, t.signal_id))
    zone = ZoneInfo(timezone)
    opens = [_place(t.opened_at, zone, timezone) for t in ordered]
    closes = [_place(t.closed_at, zone, timezone) for t in ordered]
    first = min(opens[0][0], period[0]) if period else opens[0][0]
    last = max(opens[-1][0], period[1]) if period else opens[-1][0]
    one_r, filled = recovered_one_r(ordered)
    pnl, risk = scaling.apply(np.array([t.pnl for t in ordered], dtype=np.float64), one_r)
    return Timeline(
        first_day=first, days=(last - first).days + 1, signal_ids=tuple(t.signal_id for t in ordered),
        open_day=np.array([(d - first).days for d, _ in opens], dtype=np.int64),
        open_ms=np.array([ms for _, ms in opens], dtype=np.int64),
        close_day=np.array([(d - first).days for d, _ in closes], dtype=np.int64),
        close_ms=np.array([ms for _, ms in closes], dtype=np.int64),
        pnl=pnl, risk=risk, one_r_filled=filled, timezone=timezone,
    )


def _place(at: datetime, zone: ZoneInfo, timezone: str) -> tuple[date, int]:
    day = trading_day(at, timezone)
    # Prague's clocks change at 02:00/03:00, so its midnight always exists and is unambiguous.
    midnight = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    return day, round((at - midnight).total_seconds() * 1000)
