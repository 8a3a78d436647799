"""Trading sessions of the three big FX centres, from each market's own local hours.

A session is defined in its city's wall-clock time, so daylight saving is handled by zoneinfo:
London opens at 07:00 UTC in summer and 08:00 UTC in winter, New York at 12:00 or 13:00 UTC, and
for a week or two each spring and autumn the two clocks change on different dates. Sessions may
overlap. Only the city's weekdays count: the markets whose liquidity the flags stand for are shut
at weekends, even though crypto trades on.

This module is the single definition of session hours (features and queries both use it).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import attrs
import numpy as np
import numpy.typing as npt

from domain.market.candles import IntArray, require_utc

BoolArray = npt.NDArray[np.bool_]


@attrs.frozen
class Session:
    """``opens <= local time < closes`` on the city's weekdays (Monday-Friday)."""

    name: str
    timezone: str
    opens: time
    closes: time

    def __attrs_post_init__(self) -> None:
        if self.closes <= self.opens:
            raise ValueError(f"session {self.name}: closes {self.closes} must be after opens {self.opens}")
        ZoneInfo(self.timezone)  # an unknown zone fails here, not at the first query

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def contains(self, moment: datetime) -> bool:
        local = require_utc(moment, "moment").astimezone(self.zone)
        return local.weekday() < 5 and self.opens <= local.time() < self.closes

    def bounds_ms(self, day: date) -> tuple[int, int]:
        """UTC epoch milliseconds of the session's open and close on the local ``day``."""
        zone = self.zone
        opens = datetime.combine(day, self.opens, tzinfo=zone)
        closes = datetime.combine(day, self.closes, tzinfo=zone)
        return int(opens.timestamp() * 1000), int(closes.timestamp() * 1000)


TOKYO = Session("tokyo", "Asia/Tokyo", time(9), time(18))
LONDON = Session("london", "Europe/London", time(8), time(17))
NEW_YORK = Session("new_york", "America/New_York", time(8), time(17))
SESSIONS: tuple[Session, ...] = (TOKYO, LONDON, NEW_YORK)


def active_sessions(moment: datetime, sessions: Sequence[Session] = SESSIONS) -> frozenset[str]:
    """Names of the sessions open at ``moment`` (aware UTC)."""
    return frozenset(s.name for s in sessions if s.contains(moment))


def session_mask(open_time_ms: IntArray, session: Session) -> BoolArray:
    """Vectorised ``session.contains`` over epoch milliseconds.

    The session's UTC intervals are built once per local weekday in the span (a few thousand
    zoneinfo calls for years of minutes) and each time is placed among them by binary search.
    """
    t = np.asarray(open_time_ms, dtype=np.int64)
    if len(t) == 0:
        return np.zeros(0, dtype=bool)
    first = datetime.fromtimestamp(int(t.min()) / 1000, tz=session.zone).date() - timedelta(days=1)
    last = datetime.fromtimestamp(int(t.max()) / 1000, tz=session.zone).date() + timedelta(days=1)
    bounds = _weekday_bounds(session, first, last)
    index = np.searchsorted(bounds[:, 0], t, side="right") - 1
    inside: BoolArray = (index >= 0) & (t < bounds[np.maximum(index, 0), 1])
    return inside


@lru_cache(maxsize=64)
def _weekday_bounds(session: Session, first: date, last: date) -> npt.NDArray[np.int64]:
    """The session's [open, close) in UTC ms on each local weekday first..last, read-only. Cached: the
    runtime asks for the same few days at every scan of every pair, and zoneinfo is slow to ask."""
    days = (first + timedelta(days=k) for k in range((last - first).days + 1))
    bounds = np.array([session.bounds_ms(d) for d in days if d.weekday() < 5], dtype=np.int64).reshape(-1, 2)
    bounds.flags.writeable = False
    return bounds


def session_masks(open_time_ms: IntArray, sessions: Sequence[Session] = SESSIONS) -> dict[str, BoolArray]:
    return {s.name: session_mask(open_time_ms, s) for s in sessions}
