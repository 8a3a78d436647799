"""Session flags from each city's wall clock, across the 2025 European and US clock changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.market.candles import datetime_to_ms
from domain.market.sessions import LONDON, NEW_YORK, SESSIONS, TOKYO, Session, active_sessions, session_masks


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(("moment", "expected"), [
    # US clocks went forward on Sunday 2025-03-09; London still on GMT until 2025-03-30
    ("2025-03-07 12:30", {"london"}),  # Friday before: New York opens 13:00 UTC (EST)
    ("2025-03-07 13:00", {"london", "new_york"}),
    ("2025-03-10 12:00", {"london", "new_york"}),  # Monday after: New York opens 12:00 UTC (EDT)
    ("2025-03-10 11:59", {"london"}),
    ("2025-03-10 16:59", {"london", "new_york"}),
    ("2025-03-10 17:00", {"new_york"}),  # London closes 17:00 GMT
    # EU clocks went forward on Sunday 2025-03-30
    ("2025-03-28 07:30", {"tokyo"}),  # Friday before: London opens 08:00 UTC
    ("2025-03-31 06:59", {"tokyo"}),
    ("2025-03-31 07:00", {"tokyo", "london"}),  # Monday after: London opens 07:00 UTC (BST)
    ("2025-03-31 15:59", {"london", "new_york"}),
    ("2025-03-31 16:00", {"new_york"}),  # London closes 16:00 UTC in summer
    # EU clocks went back on Sunday 2025-10-26; New York stays on EDT until 2025-11-02
    ("2025-10-24 07:30", {"tokyo", "london"}),
    ("2025-10-27 07:30", {"tokyo"}),
    ("2025-10-27 08:00", {"tokyo", "london"}),
    ("2025-10-27 12:00", {"london", "new_york"}),  # the one week where the overlap starts at 12:00
    ("2025-10-27 16:59", {"london", "new_york"}),
    ("2025-10-27 20:59", {"new_york"}),
    # US clocks went back on Sunday 2025-11-02
    ("2025-10-31 12:30", {"london", "new_york"}),
    ("2025-11-03 12:30", {"london"}),
    ("2025-11-03 13:00", {"london", "new_york"}),
    ("2025-11-03 21:59", {"new_york"}),
    ("2025-11-03 22:00", set()),
    # Tokyo has no daylight saving: 00:00-09:00 UTC all year, its Monday starting Sunday 24:00 UTC
    ("2025-03-10 00:00", {"tokyo"}),
    ("2025-03-10 08:59", {"tokyo", "london"}),
    ("2025-03-10 09:00", {"london"}),
    ("2025-07-07 08:30", {"tokyo", "london"}),  # summer: London 07:00 UTC overlaps Tokyo until 09:00
    ("2025-03-09 15:00", set()),  # Sunday (the US change day): every market shut
    ("2025-11-02 03:00", set()),
])
def test_sessions_at_known_times(moment: str, expected: set[str]) -> None:
    when = at(moment)
    assert active_sessions(when) == frozenset(expected)
    masks = session_masks(np.array([datetime_to_ms(when)]))
    assert {name for name, mask in masks.items() if mask[0]} == expected


def test_tokyo_session_is_the_same_utc_hours_in_both_seasons() -> None:
    for day in ("2025-01-06", "2025-07-07"):
        assert TOKYO.contains(at(f"{day} 00:00")) and TOKYO.contains(at(f"{day} 08:59"))
        assert not TOKYO.contains(at(f"{day} 09:00"))


def test_vectorised_flags_match_the_scalar_rule_minute_by_minute_across_the_spring_changes() -> None:
    start = at("2025-03-05 00:00")
    minutes = np.arange(0, 30 * 1440, 7, dtype=np.int64)
    times = datetime_to_ms(start) + 60_000 * minutes
    masks = session_masks(times)
    for session in SESSIONS:
        scalar = [session.contains(start + timedelta(minutes=int(m))) for m in minutes]
        assert masks[session.name].tolist() == scalar, session.name


@settings(max_examples=200, deadline=None)
@given(st.datetimes(min_value=datetime(2018, 1, 1), max_value=datetime(2030, 12, 31)))
def test_vectorised_and_scalar_agree_anywhere(moment: datetime) -> None:
    when = moment.replace(second=0, microsecond=0, tzinfo=UTC)
    masks = session_masks(np.array([datetime_to_ms(when), datetime_to_ms(when) + 3 * 86_400_000]))
    for session in SESSIONS:
        assert bool(masks[session.name][0]) == session.contains(when)


def test_session_needs_close_after_open_and_a_known_zone() -> None:
    with pytest.raises(ValueError, match="closes"):
        Session("x", "Europe/London", LONDON.closes, LONDON.opens)
    with pytest.raises(Exception, match="Nowhere"):
        Session("x", "Nowhere/City", LONDON.opens, LONDON.closes)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="UTC"):
        NEW_YORK.contains(datetime(2025, 3, 10, 12))


def test_empty_input_gives_empty_masks() -> None:
    assert all(len(m) == 0 for m in session_masks(np.zeros(0, dtype=np.int64)).values())
