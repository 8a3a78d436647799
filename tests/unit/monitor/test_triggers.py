"""Each retraining trigger alone: thresholds, what it needs to decide, and the figures it states."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.models.drift import FeatureTest
from domain.models.triggers import (
    AccuracyStreak,
    CalibrationCeiling,
    DailyAccuracy,
    DriftTrigger,
    Status,
    TriggerName,
    WeeklySchedule,
    WinRateFloor,
)

SUNDAY = datetime(2025, 3, 30, tzinfo=UTC)  # a Sunday; Prague moves to summer time at 02:00 that day


def test_weekly_schedule_is_due_from_sunday_midnight_utc() -> None:
    schedule = WeeklySchedule()
    assert schedule.last_due(SUNDAY + timedelta(hours=5)) == SUNDAY
    assert schedule.last_due(SUNDAY - timedelta(seconds=1)) == SUNDAY - timedelta(days=7)
    assert schedule.last_due(SUNDAY + timedelta(days=6, hours=23)) == SUNDAY


def test_weekly_schedule_fires_for_a_model_trained_before_the_last_sunday() -> None:
    schedule = WeeklySchedule()
    fired = schedule.evaluate(trained_at=SUNDAY - timedelta(days=3), now=SUNDAY + timedelta(hours=1))
    assert fired.status is Status.FIRED and fired.name is TriggerName.SCHEDULE
    assert fired.figures["due_at"] == SUNDAY.isoformat() and fired.figures["age_days"] == pytest.approx(3.0417, abs=1e-3)
    assert "due since 2025-03-30 00:00 UTC" in fired.summary
    # retrained after Sunday's midnight: nothing due until next Sunday, even on Saturday
    quiet = schedule.evaluate(trained_at=SUNDAY + timedelta(hours=2), now=SUNDAY + timedelta(days=6, hours=12))
    assert quiet.status is Status.QUIET


def test_weekly_schedule_in_prague_follows_local_midnight_across_dst() -> None:
    prague = WeeklySchedule(weekday=6, zone="Europe/Prague")
    # Sunday 30 March 2025 00:00 in Prague is still winter time (UTC+1): Saturday 23:00 UTC
    assert prague.last_due(SUNDAY + timedelta(hours=12)) == SUNDAY - timedelta(hours=1)
    # the next Sunday (6 April) is summer time (UTC+2): Saturday 22:00 UTC
    assert prague.last_due(SUNDAY + timedelta(days=7, hours=1)) == SUNDAY + timedelta(days=6, hours=22)
    assert WeeklySchedule(weekday=0).last_due(SUNDAY) == SUNDAY - timedelta(days=6)


def test_weekly_schedule_refuses_a_bad_zone_or_day() -> None:
    with pytest.raises(ValueError, match="IANA time zone"):
        WeeklySchedule(zone="Mars/Olympus")
    with pytest.raises(ValueError):
        WeeklySchedule(weekday=7)


def _days(accuracies: list[float | None], last: date = date(2025, 3, 29), samples: int = 1000,
          pair: str = "BTCUSDT") -> list[DailyAccuracy]:
    """Consecutive days ending at ``last``; None leaves that day out."""
    start = last - timedelta(days=len(accuracies) - 1)
    return [DailyAccuracy("m", pair, start + timedelta(days=i), round(a * samples), samples)
            for i, a in enumerate(accuracies) if a is not None]


def test_three_consecutive_low_days_fire() -> None:
    result = AccuracyStreak().evaluate(_days([0.70, 0.61, 0.60, 0.64]))
    assert result.status is Status.FIRED and result.name is TriggerName.ACCURACY
    assert "0.610, 0.600, 0.640" in result.summary and "2025-03-27..2025-03-29" in result.summary
    days = result.figures["pairs"]["BTCUSDT"]
    assert [d["accuracy"] for d in days] == [0.61, 0.6, 0.64] and {d["samples"] for d in days} == {1000}


def test_two_low_days_do_not_fire() -> None:
    assert AccuracyStreak().evaluate(_days([0.70, 0.61, 0.60])).status is Status.QUIET
    assert AccuracyStreak().evaluate(_days([0.61, 0.60])).status is Status.NOT_EVALUATED  # only two days known
    assert AccuracyStreak().evaluate(_days([0.61, 0.60, 0.65])).status is Status.QUIET  # 0.65 is not below


def test_a_gap_or_a_thin_day_breaks_the_streak() -> None:
    gap = AccuracyStreak().evaluate(_days([0.60, 0.60, None, 0.60, 0.60]))
    assert gap.status is Status.NOT_EVALUATED and "2025-03-27" in gap.summary
    thin = _days([0.60, 0.60, 0.60])
    thin[1] = DailyAccuracy("m", "BTCUSDT", thin[1].day, 30, 50)
    assert AccuracyStreak().evaluate(thin).status is Status.NOT_EVALUATED
    assert AccuracyStreak(min_samples=50).evaluate(thin).status is Status.FIRED


def test_accuracy_streak_per_pair_and_later_record_wins() -> None:
    history = _days([0.6, 0.6, 0.6], pair="ETHUSDT") + _days([0.7, 0.7, 0.7])
    result = AccuracyStreak().evaluate(history)
    assert result.status is Status.FIRED and result.summary.startswith("ETHUSDT")
    rescored = [*_days([0.6, 0.6, 0.6]), DailyAccuracy("m", "BTCUSDT", date(2025, 3, 29), 700, 1000)]
    assert AccuracyStreak().evaluate(rescored).status is Status.QUIET
    assert AccuracyStreak().evaluate([]).status is Status.NOT_EVALUATED


def test_daily_accuracy_round_trip_and_validation() -> None:
    record = DailyAccuracy("m", "BTCUSDT", date(2025, 3, 1), 61, 100)
    assert DailyAccuracy.from_dict(record.as_dict()) == record and record.accuracy == 0.61
    with pytest.raises(ValueError, match="correct <= samples"):
        DailyAccuracy("m", "BTCUSDT", date(2025, 3, 1), 101, 100)


def test_win_rate_needs_thirty_trades() -> None:
    floor = WinRateFloor()
    too_few = floor.evaluate([False] * 29, "live")
    assert too_few.status is Status.NOT_EVALUATED and "29 closed live trades, 30 needed" in too_few.summary
    fired = floor.evaluate([True] * 18 + [False] * 12, "live")  # 60 %
    assert fired.status is Status.FIRED
    assert fired.figures["trades"] == 30 and fired.figures["win_rate"] == 0.6
    assert fired.figures["wilson_low"] < 0.6 < fired.figures["wilson_high"]
    assert "win rate 60.0% over the last 30 closed live trades" in fired.summary
    assert floor.evaluate([True] * 20 + [False] * 10, "live").status is Status.QUIET  # 66.7 %
    assert floor.evaluate([True] * 65 + [False] * 35, "live").status is Status.QUIET  # exactly 65 %


def test_calibration_ceiling() -> None:
    ceiling = CalibrationCeiling()
    assert ceiling.evaluate(0.071, "card").status is Status.FIRED
    assert ceiling.evaluate(0.07, "card").status is Status.QUIET
    missing = ceiling.evaluate(None, "the card's validation figure")
    assert missing.status is Status.NOT_EVALUATED and "the card's validation figure" in missing.summary


def _test(feature: str, p: float, statistic: float = 0.2) -> FeatureTest:
    return FeatureTest("BTCUSDT", feature, statistic, p, 168, 1440)


def test_drift_trigger_fires_on_a_holm_adjusted_p_below_alpha() -> None:
    trigger = DriftTrigger(alpha=0.01)
    fired = trigger.evaluate([_test("a", 0.0001), _test("b", 0.5), _test("c", 0.004)], {"stride_minutes": 60})
    # Holm over 3: 0.0003 and 0.008 are below 0.01
    assert fired.status is Status.FIRED and fired.figures["tests"] == 3 and fired.figures["correction"] == "holm"
    assert [d["feature"] for d in fired.figures["drifted"]] == ["a", "c"]
    assert fired.figures["worst"]["p_adjusted"] == pytest.approx(0.0003)
    assert "2 of 3 features drifted" in fired.summary and fired.figures["stride_minutes"] == 60
    # 0.004 alone would pass a single test, not three at once (Holm: 0.012)
    assert trigger.evaluate([_test("a", 0.5), _test("b", 0.5), _test("c", 0.004)], {}).status is Status.QUIET
    assert trigger.evaluate([], {}).status is Status.NOT_EVALUATED


@pytest.mark.parametrize("bad", [{"threshold": 1.2}, {"days": 0}, {"min_samples": 0}])
def test_thresholds_are_checked(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        AccuracyStreak(**bad)  # type: ignore[arg-type]


def test_drift_floor_on_the_statistic_keeps_small_significant_shifts_quiet() -> None:
    tests = [_test("a", 1e-9, statistic=0.18), _test("b", 1e-6, statistic=0.35)]
    assert DriftTrigger().evaluate(tests, {}).figures["drifted"][0]["feature"] == "a"
    floored = DriftTrigger(min_statistic=0.3).evaluate(tests, {})
    assert floored.status is Status.FIRED and [d["feature"] for d in floored.figures["drifted"]] == ["b"]
    assert "D >= 0.3" in floored.summary and floored.figures["min_statistic"] == 0.3
    assert DriftTrigger(min_statistic=0.4).evaluate(tests, {}).status is Status.QUIET
