"""Use case: what a backtest's report shows, ready for a ``ReportWriter`` (application.evaluation.ports).

A report is the ``Evaluation`` (every number of the page, ``Evaluation.to_json()`` being metrics.json)
plus the FTMO floors its equity chart draws. The equity comes marked to market from the candles
when the caller has them (application.backtest.equity); otherwise it is rebuilt from the closed
trades alone, which misses how deep open positions sank, and ``run.equity`` says which.

The floors are the guard's own (domain.risk.rules.floor_levels): the daily-loss floor is the balance
at the last Prague midnight minus the ruleset's daily loss share of the initial balance, so it steps
once per Prague day; the maximum-loss floor is fixed (2-Step) or trails the best midnight balance
(1-Step).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import numpy as np

from application.backtest.baselines import BaselineComparison
from application.backtest.trades import BacktestTrades, Trade
from application.evaluation.evaluate import ChallengeEvidence, Evaluation, evaluate_backtest
from domain.evaluation.equity import EquitySeries
from domain.evaluation.gates import Gates
from domain.features.splits import Period
from domain.market.candles import FloatArray, IntArray, as_int_array, datetime_to_ms
from domain.risk.account import PRAGUE, trading_day
from domain.risk.rules import RiskSettings, floor_levels

FROM_CANDLES = "marked to market minute by minute from the candles"
FROM_TRADES = "rebuilt from closed trades only: open positions are not marked, so drawdowns read shallower"


def _floats(values: object) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


@attrs.frozen(eq=False)
class FtmoFloors:
    """Step series: from ``time_ms[i]`` until the next time the floors are ``daily[i]`` and ``total[i]``;
    the last point closes the period."""

    time_ms: IntArray = attrs.field(converter=as_int_array)
    daily: FloatArray = attrs.field(converter=_floats)
    total: FloatArray = attrs.field(converter=_floats)

    def __attrs_post_init__(self) -> None:
        if not self.time_ms.shape == self.daily.shape == self.total.shape:
            raise ValueError("floors need one daily and one total level per time")


@attrs.frozen(eq=False)
class Report:
    evaluation: Evaluation
    floors: FtmoFloors


def backtest_report(result: BacktestTrades, period: Period, gates: Gates, risk: RiskSettings, *,
                    initial_balance: float, run: Mapping[str, Any], equity: EquitySeries | None = None,
                    equity_note: str | None = None, comparison: BaselineComparison | None = None,
                    challenge: ChallengeEvidence | None = None) -> Report:
    """``equity``: the curve marked to market, or None to rebuild it from the closed trades
    (``equity_note`` says why the candles were not used)."""
    curve = equity if equity is not None else closed_trade_equity(result.trades, initial_balance, period)
    source = FROM_CANDLES if equity is not None else FROM_TRADES
    ruleset = risk.ruleset
    described = {**run, "initial_balance": initial_balance,
                 "equity": {"source": "candles" if equity is not None else "closed_trades", "text": source,
                            "note": equity_note},
                 "ftmo": {"ruleset": str(ruleset.name), "daily_loss_pct": ruleset.daily_loss_pct,
                          "max_loss_pct": ruleset.max_loss_pct, "max_loss_trails": ruleset.max_loss_trails}}
    evaluation = evaluate_backtest(result, curve, period, gates, initial_balance=initial_balance,
                                   comparison=comparison, challenge=challenge, run=described)
    return Report(evaluation, ftmo_floors(result.trades, initial_balance, period, risk))


def closed_trade_equity(trades: Sequence[Trade], initial_balance: float, period: Period) -> EquitySeries:
    """The balance after each exit (trades closing in the same millisecond as one point), from the
    period's start, held to its end."""
    start, end = datetime_to_ms(period.start), datetime_to_ms(period.end)
    exits = np.array([_ms(t.exit_at) for t in trades], dtype=np.int64)
    pnl = np.array([t.pnl for t in trades], dtype=np.float64)
    times, index = np.unique(np.clip(exits, start, end), return_inverse=True)
    balance = (initial_balance + np.cumsum(np.bincount(index, weights=pnl, minlength=len(times)))).astype(np.float64)
    times, balance = _bracket(times, balance, start, end, initial_balance)
    return EquitySeries(times, balance)


def _bracket(times: IntArray, balance: FloatArray, start: int, end: int,
             initial: float) -> tuple[IntArray, FloatArray]:
    """The curve with the period's start (at the initial balance) and end (held) added where missing."""
    if not len(times) or times[0] > start:
        times, balance = np.concatenate([[start], times]), np.concatenate([[initial], balance])
    if times[-1] < end:
        times, balance = np.concatenate([times, [end]]), np.concatenate([balance, balance[-1:]])
    return times.astype(np.int64), balance


def ftmo_floors(trades: Sequence[Trade], initial_balance: float, period: Period, risk: RiskSettings) -> FtmoFloors:
    times = np.array([datetime_to_ms(period.start), *prague_midnights(period), datetime_to_ms(period.end)],
                     dtype=np.int64)
    exits = np.sort(np.array([_ms(t.exit_at) for t in trades], dtype=np.int64))
    pnl = np.array([t.pnl for t in sorted(trades, key=lambda t: _ms(t.exit_at))], dtype=np.float64)
    realised = np.concatenate([[0.0], np.cumsum(pnl)])
    # a trade closed exactly at midnight is in that midnight's balance
    day_start = initial_balance + realised[np.searchsorted(exits, times, side="right")]
    day_start[0] = initial_balance  # the account opens with the period: nothing realised yet
    day_start[-1] = day_start[-2]  # the closing point only ends the last step
    highest = np.maximum.accumulate(np.maximum(day_start, initial_balance))
    levels = floor_levels(initial_balance, day_start, highest, risk)
    return FtmoFloors(times, levels.daily, levels.total)


def prague_midnights(period: Period) -> list[int]:
    """Epoch ms of every Prague midnight strictly inside the period."""
    zone, start, end = ZoneInfo(PRAGUE), datetime_to_ms(period.start), datetime_to_ms(period.end)
    days = (trading_day(period.start) + timedelta(days=k + 1)
            for k in range((trading_day(period.end) - trading_day(period.start)).days))
    moments = (datetime_to_ms(datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)) for day in days)
    return [m for m in moments if start < m < end]


def _ms(iso: str) -> int:
    return datetime_to_ms(datetime.fromisoformat(iso))
