from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from application.stats.report import OFF_SESSION, build_stats, performance_by_session, window_stats
from domain.market.candles import Direction, Pair
from domain.market.sessions import Session
from domain.signals.signal import Mode, Signal, Tier
from domain.stats.outcomes import Performance, Result, TradeOutcome
from tests.fakes.ports import InMemorySignalRepository
from tests.unit.persistence.fakes import InMemoryPatternRepository, InMemoryRiskBook

# Wednesday 2025-01-15, winter: London 08-17 UTC, New York 13-22 UTC, Tokyo 00-09 UTC
DAY = datetime(2025, 1, 15, tzinfo=UTC)


def hour(h: int, day: datetime = DAY) -> datetime:
    return day + timedelta(hours=h)


def test_sessions_count_overlaps_in_both_and_the_rest_off_session() -> None:
    hours = {hour(2): Performance(1, 1, 1.5), hour(14): Performance(2, 0, -2.0), hour(10): Performance(1, 1, 1.5),
             hour(23): Performance(1, 1, 1.5),
             hour(14, datetime(2025, 1, 18, tzinfo=UTC)): Performance(1, 1, 1.5)}  # a Saturday: every market shut
    result = performance_by_session(hours)
    assert {k: (p.count, p.wins) for k, p in result.items()} == {
        "tokyo": (1, 1), "london": (3, 1), "new_york": (2, 0), OFF_SESSION: (2, 2)}
    assert result["london"].avg_r == pytest.approx(-0.5 / 3)


def test_summer_time_moves_london_an_hour_earlier() -> None:
    summer = datetime(2025, 7, 16, tzinfo=UTC)
    assert performance_by_session({hour(7, summer): Performance(1, 1, 1.0)})["london"].count == 1
    assert performance_by_session({hour(7): Performance(1, 1, 1.0)})["london"].count == 0


def test_hour_buckets_must_start_on_the_hour_and_sessions_align_to_hours() -> None:
    with pytest.raises(ValueError, match="on the hour"):
        performance_by_session({hour(7) + timedelta(minutes=30): Performance(1, 1, 1.0)})
    half_hour = Session("mumbai", "Asia/Kolkata", time(9), time(15))
    with pytest.raises(ValueError, match="whole number of hours"):
        performance_by_session({}, [half_hour])
    with pytest.raises(ValueError, match="whole hours"):
        performance_by_session({}, [Session("odd", "Europe/London", time(8, 30), time(16))])


def make_book(now: datetime) -> tuple[InMemoryRiskBook, InMemorySignalRepository]:
    signals = InMemorySignalRepository()
    book = InMemoryRiskBook(signals)
    for n, (days, tier, won) in enumerate([(1, Tier.HIGH, True), (2, Tier.LOW, False), (20, Tier.HIGH, False)]):
        signals.add(Signal(signal_id=f"S{n}", pair=Pair("ETHUSDT"), direction=Direction.SHORT, entry=100.0,
                           take_profit=97.0, stop_loss=102.0, confidence=0.7, tier=tier,
                           created_at=now - timedelta(days=days), mode=Mode.DRYRUN, model_version="m7"))
        book.record_outcome(TradeOutcome(f"S{n}", Result.WIN if won else Result.LOSS, now, 97.0 if won else 102.0,
                                         1.5 if won else -1.0))
    return book, signals


def test_build_stats_reports_both_windows_models_sessions_and_patterns() -> None:
    now = DAY + timedelta(hours=12)
    book, _ = make_book(now)
    patterns = InMemoryPatternRepository()
    for won in (True, False, True):
        patterns.record_outcome("h1", "flag", won, now)
    patterns.record_outcome("h2", "wedge", True, now)
    report = build_stats(book, patterns, now, sample_floor=3)
    week, month = report.windows
    assert (week.days, week.overall.count, week.overall.wins) == (7, 2, 1)
    assert set(week.by_tier) == {"HIGH", "LOW"}
    assert (month.overall.count, month.overall.avg_r) == (3, pytest.approx(-0.5 / 3))
    assert report.by_model["m7"].count == 3
    assert sum(p.count for p in report.by_session.values()) >= 3
    assert [p.pattern_hash for p in report.patterns] == ["h1"]


def test_window_needs_positive_days_and_utc_now() -> None:
    book, _ = make_book(DAY)
    with pytest.raises(ValueError, match="days > 0"):
        window_stats(book, DAY, 0)
    with pytest.raises(ValueError, match="now"):
        window_stats(book, datetime(2025, 1, 1), 7)
