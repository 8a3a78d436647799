"""Use case: the figures behind the bot's /stats, over rolling windows ending at ``now``.

Sessions come from domain.market.sessions (the one definition of session hours). A trade counts in
every session open at its entry time, so London/New York overlap trades count in both; trades
entered while no session is open count under ``OFF_SESSION``.

The session breakdown works on per-UTC-hour aggregates rather than on single trades: every
session opens and closes on a whole local hour in a zone whose offset is a whole number of hours
(checked below), so membership cannot change inside a UTC hour, and the database returns at most
24 rows per day instead of every trade.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import reduce

import attrs

from application.stats.ports import PatternRepository, PerformanceQueries
from domain.market.candles import require_utc
from domain.market.sessions import SESSIONS, Session, active_sessions
from domain.signals.patterns import PatternRecord
from domain.signals.signal import Mode
from domain.stats.outcomes import Performance

OFF_SESSION = "off_session"
DEFAULT_WINDOWS_DAYS = (7, 30)


@attrs.frozen
class WindowStats:
    days: int
    overall: Performance
    by_tier: Mapping[str, Performance]


@attrs.frozen
class StatsReport:
    now: datetime
    windows: tuple[WindowStats, ...]
    by_model: Mapping[str, Performance]
    by_session: Mapping[str, Performance]
    patterns: tuple[PatternRecord, ...]


def window_stats(queries: PerformanceQueries, now: datetime, days: int, mode: Mode | None = None) -> WindowStats:
    if days <= 0:
        raise ValueError(f"a stats window needs days > 0, got {days}")
    now = require_utc(now, "now")
    by_tier = dict(queries.performance_by_tier(now - timedelta(days=days), now, mode))
    return WindowStats(days, reduce(Performance.__add__, by_tier.values(), Performance()), by_tier)


def performance_by_session(hours: Mapping[datetime, Performance],
                           sessions: Sequence[Session] = SESSIONS) -> dict[str, Performance]:
    """Fold per-UTC-hour aggregates into sessions (an hour in two sessions counts in both)."""
    require_hour_aligned(sessions)
    result = {s.name: Performance() for s in sessions} | {OFF_SESSION: Performance()}
    for hour, performance in hours.items():
        if require_utc(hour, "hour") != hour.replace(minute=0, second=0, microsecond=0):
            raise ValueError(f"hour buckets must start on the hour, got {hour.isoformat()}")
        for name in active_sessions(hour, sessions) or {OFF_SESSION}:
            result[name] = result[name] + performance
    return result


def require_hour_aligned(sessions: Sequence[Session]) -> None:
    for session in sessions:
        if any((t.minute, t.second, t.microsecond) != (0, 0, 0) for t in (session.opens, session.closes)):
            raise ValueError(f"session {session.name}: hourly aggregates need opens/closes on whole hours")
        for month in (1, 7):  # standard and daylight-saving time
            offset = datetime(2025, month, 1, tzinfo=UTC).astimezone(session.zone).utcoffset()
            if offset is None or offset % timedelta(hours=1):
                raise ValueError(f"session {session.name}: {session.timezone} is not a whole number of hours from UTC")


def build_stats(queries: PerformanceQueries, patterns: PatternRepository, now: datetime, *,
                windows_days: Sequence[int] = DEFAULT_WINDOWS_DAYS, sample_floor: int = 30,
                mode: Mode | None = None) -> StatsReport:
    """Tier windows, plus model, session and pattern breakdowns over the longest window."""
    now = require_utc(now, "now")
    windows = tuple(window_stats(queries, now, days, mode) for days in windows_days)
    since = now - timedelta(days=max(windows_days))
    return StatsReport(
        now=now,
        windows=windows,
        by_model=dict(queries.performance_by_model(since, now, mode)),
        by_session=performance_by_session(queries.performance_by_hour(since, now, mode)),
        patterns=tuple(patterns.list_above(sample_floor)),
    )
