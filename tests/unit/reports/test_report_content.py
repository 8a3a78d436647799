"""What a report shows besides the evaluation: the FTMO floors per Prague day and the equity
rebuilt from closed trades when the candles are missing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from application.backtest.trades import BacktestTrades
from application.evaluation.report import (
    FROM_TRADES,
    backtest_report,
    closed_trade_equity,
    ftmo_floors,
    prague_midnights,
)
from domain.evaluation import EquitySeries, Gates
from domain.features.splits import Period
from domain.market.candles import datetime_to_ms
from domain.risk.rules import RiskSettings
from tests.unit.backtest.records import T0, trade_record
from tests.unit.reports.builders import INITIAL, PERIOD, backtest_result, run_of

# T0 is 2024-03-06 10:00 UTC: winter, Prague is UTC+1, so its midnights fall at 23:00 UTC
TWO_DAYS = Period("backtest", T0, T0 + timedelta(days=2))
MIDNIGHT_1 = datetime(2024, 3, 6, 23, 0, tzinfo=UTC)
MIDNIGHT_2 = datetime(2024, 3, 7, 23, 0, tzinfo=UTC)


def _minutes_to(moment: datetime) -> int:
    return int((moment - T0) / timedelta(minutes=1))


def _ms(*moments: datetime) -> list[int]:
    return [datetime_to_ms(m) for m in moments]


def test_prague_midnights_follow_its_clock_changes() -> None:
    assert prague_midnights(TWO_DAYS) == _ms(MIDNIGHT_1, MIDNIGHT_2)
    spring = Period("dst", datetime(2024, 3, 30, 12, tzinfo=UTC), datetime(2024, 4, 1, 12, tzinfo=UTC))
    # CET until 2024-03-31 02:00, CEST (UTC+2) after: the second midnight is an hour earlier in UTC
    assert prague_midnights(spring) == _ms(datetime(2024, 3, 30, 23, tzinfo=UTC), datetime(2024, 3, 31, 22, tzinfo=UTC))


def test_the_daily_floor_steps_at_each_prague_midnight_from_the_balance_then() -> None:
    trades = [trade_record(closed=120, pnl=-1_000.0),
              trade_record(opened=200, closed=_minutes_to(MIDNIGHT_1), pnl=-500.0),  # closed at midnight: counts
              trade_record(opened=1_500, closed=1_560, pnl=2_000.0)]
    floors = ftmo_floors(trades, INITIAL, TWO_DAYS, RiskSettings())
    assert floors.time_ms.tolist() == _ms(T0, MIDNIGHT_1, MIDNIGHT_2, TWO_DAYS.end)
    assert floors.daily.tolist() == [95_000.0, 93_500.0, 95_500.0, 95_500.0]
    assert floors.total.tolist() == [90_000.0] * 4  # 2-Step: fixed to the initial balance


def test_the_one_step_max_loss_floor_trails_the_best_midnight_balance() -> None:
    trades = [trade_record(closed=60, pnl=3_000.0), trade_record(opened=1_500, closed=1_560, pnl=-1_000.0)]
    floors = ftmo_floors(trades, INITIAL, TWO_DAYS, RiskSettings.for_ruleset("1-step"))
    assert floors.daily.tolist() == [97_000.0, 100_000.0, 99_000.0, 99_000.0]  # 3 % of initial under the day's start
    assert floors.total.tolist() == [90_000.0, 93_000.0, 93_000.0, 93_000.0]


def test_equity_from_closed_trades_sums_simultaneous_exits_and_spans_the_period() -> None:
    trades = [trade_record(closed=30, pnl=10.0), trade_record(opened=5, closed=30, pnl=-4.0),
              trade_record(opened=40, closed=50, pnl=7.0)]
    equity = closed_trade_equity(trades, INITIAL, PERIOD)
    minute = 60_000
    start = datetime_to_ms(T0)
    assert equity.time_ms.tolist() == [start, start + 30 * minute, start + 50 * minute, datetime_to_ms(PERIOD.end)]
    assert equity.equity.tolist() == [INITIAL, INITIAL + 6, INITIAL + 13, INITIAL + 13]


def test_no_trades_make_a_flat_curve_and_flat_floors() -> None:
    equity = closed_trade_equity([], INITIAL, PERIOD)
    assert equity.equity.tolist() == [INITIAL, INITIAL]
    assert np.all(ftmo_floors([], INITIAL, PERIOD, RiskSettings()).daily == 95_000.0)


def test_the_run_says_where_the_equity_came_from_and_which_floors_apply() -> None:
    rebuilt = backtest_report(backtest_result(), PERIOD, Gates(), RiskSettings(), initial_balance=INITIAL,
                              run=run_of(), equity_note="no candle files at data").evaluation.to_json()["run"]
    assert rebuilt["equity"] == {"source": "closed_trades", "text": FROM_TRADES, "note": "no candle files at data"}
    assert rebuilt["ftmo"] == {"ruleset": "2-step", "daily_loss_pct": 5.0, "max_loss_pct": 10.0,
                               "max_loss_trails": False}
    assert rebuilt["initial_balance"] == INITIAL and rebuilt["pairs"] == ["BTCUSDT"]
    marked = EquitySeries([datetime_to_ms(T0)], [INITIAL])
    empty = BacktestTrades((), (), {}, {}, None, 0, 0, 0)
    run = backtest_report(empty, PERIOD, Gates(), RiskSettings(), initial_balance=INITIAL, run={},
                          equity=marked).evaluation.to_json()["run"]
    assert run["equity"]["source"] == "candles" and run["equity"]["note"] is None
