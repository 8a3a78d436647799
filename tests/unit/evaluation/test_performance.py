"""Expectancy, profit factor, hit rate by session, trades per day and exposure, pinned by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.evaluation import trade_metrics
from domain.features.splits import Period
from tests.unit.evaluation.builders import DAY, NO_EQUITY, T0, trade

TRADES = [trade(10, r=1.0, minute=0, hold=10), trade(20, r=2.0, minute=5, hold=10, sessions=("london", "new_york")),
          trade(-10, r=-1.0, minute=60, hold=30, sessions=("tokyo",))]


def _performance(trades=TRADES, period=DAY):  # type: ignore[no-untyped-def]
    return trade_metrics(trades, NO_EQUITY, period).performance


def test_expectancy_is_the_mean_r_multiple() -> None:
    assert _performance().expectancy_r.value == pytest.approx(2 / 3) and _performance().expectancy_r.n == 3


def test_profit_factor_is_gross_profit_over_gross_loss() -> None:
    performance = _performance()
    assert (performance.gross_profit.value, performance.gross_loss.value) == (30.0, 10.0)
    assert performance.profit_factor.value == 3.0


def test_profit_factor_with_no_losing_trade_is_undefined_and_says_so() -> None:
    all_wins = _performance([trade(10), trade(5)])
    assert all_wins.profit_factor.value is None and all_wins.gross_profit.value == 15.0
    assert "no losing trade" in (all_wins.profit_factor.note or "")
    assert _performance([trade(-10), trade(-5)]).profit_factor.value == 0.0


def test_hit_rate_by_session_counts_an_overlap_in_both_sessions() -> None:
    sessions = dict(_performance().by_session)
    assert list(sessions) == ["tokyo", "london", "new_york", "off_hours"]
    assert (sessions["london"].successes, sessions["london"].n) == (2, 2)
    assert (sessions["new_york"].successes, sessions["new_york"].n) == (1, 1)
    assert (sessions["tokyo"].successes, sessions["tokyo"].n) == (0, 1)
    assert sessions["off_hours"].n == 0 and sessions["off_hours"].value is None


def test_trades_per_day_over_the_period_not_the_first_to_last_trade() -> None:
    assert _performance().trades_per_day.value == 3.0
    assert _performance(period=Period("two days", T0, T0 + timedelta(days=2))).trades_per_day.value == 1.5


def test_exposure_counts_overlapping_trades_once_and_clips_to_the_period() -> None:
    # [0, 10) and [5, 15) overlap: 15 minutes; [60, 90): 30 more; out of 1440
    assert _performance().exposure.value == pytest.approx(45 / 1440)
    short = Period("70 minutes", T0, T0 + timedelta(minutes=70))  # the last trade is cut at 70
    assert _performance(period=short).exposure.value == pytest.approx(25 / 70)
