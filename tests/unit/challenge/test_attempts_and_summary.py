"""Attempts (historical days, the Monte Carlo day-block bootstrap), the trades' scaling, and what a
simulation reports: pass rate with its Wilson interval, days to pass, the breach log, the gate."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

import numpy as np
import pytest

from application.challenge import ChallengeRequest, Mode, Period, TradeRow, simulate_challenges
from domain.challenge import BacktestTrade, Outcome, Results, Scaling, bootstrap, historical
from domain.challenge.summary import ChallengeSummary
from domain.challenge.trades import recovered_one_r
from domain.evaluation.gates import ChallengeGate
from domain.risk import RiskSettings
from tests.unit.challenge.builders import INITIAL, TWO_STEP, day_trade, line_of, prague, run, trade

JUNE = date(2025, 6, 2)


def _days(n: int) -> list[date]:
    return [JUNE + timedelta(days=i) for i in range(n)]


def _busy_line() -> object:
    d = _days(6)
    trades = [day_trade(x, p, hour=h) for x, p in zip(d, [900, -400, 0, 1_300, -800, 200], strict=True)
              for h in (9, 13, 17)][:-2]
    return line_of(trades, (d[0], d[5] + timedelta(days=2)))  # two days without trades at the end


# ---------------------------------------------------------------- attempts


def test_historical_attempts_start_on_successive_prague_days() -> None:
    line = _busy_line()
    attempts = historical(line, 5)
    assert [list(row[:3]) for row in attempts.days] == [[0, 1, 2], [1, 2, 3], [2, 3, 4], [3, 4, 5], [4, 5, 6]]
    assert list(attempts.span) == [8, 7, 6, 5, 4]
    assert historical(line, 100).count == line.days  # at most one attempt per day of the period


def test_monte_carlo_draws_are_repeatable_with_a_seed_and_differ_with_another() -> None:
    line = _busy_line()
    first = bootstrap(line, 50, 10, np.random.default_rng(7))
    again = bootstrap(line, 50, 10, np.random.default_rng(7))
    other = bootstrap(line, 50, 10, np.random.default_rng(8))
    assert np.array_equal(first.days, again.days)
    assert not np.array_equal(first.days, other.days)
    out, out_again = run(line, TWO_STEP, first), run(line, TWO_STEP, again)
    assert np.array_equal(out.equity, out_again.equity) and np.array_equal(out.outcome, out_again.outcome)


def test_a_monte_carlo_day_is_a_whole_period_day_of_trades_empty_days_included() -> None:
    line = _busy_line()
    attempts = bootstrap(line, 400, 12, np.random.default_rng(3))
    bounds = line.day_bounds
    period_days = [list(range(int(a), int(b))) for a, b in pairwise(bounds)]
    for a in range(attempts.count):
        for drawn, trades in zip(attempts.days[a], attempts.trades(line, a), strict=True):
            assert trades == period_days[drawn]  # the day's trades together, none split off or mixed in
    drawn = set(attempts.days.ravel().tolist())
    assert drawn == set(range(line.days))  # the two days without trades are drawn too


def test_monte_carlo_keeps_a_days_cluster_of_losses_together() -> None:
    """A day of three losses that breaches the daily floor only as a cluster: every attempt that
    draws it fails on it, and no attempt fails without it."""
    d = _days(3)
    cluster = [day_trade(d[0], -1_800, hour=h, one_r=300) for h in (9, 10, 11)]
    quiet = [day_trade(x, 300) for x in d[1:]]
    line = line_of([*cluster, *quiet])
    attempts = bootstrap(line, 300, 5, np.random.default_rng(11))
    out = run(line, TWO_STEP, attempts)
    drew = (attempts.days == 0).any(axis=1)
    assert np.array_equal(out.outcome == Outcome.FAILED, drew) and drew.any() and not drew.all()


# ---------------------------------------------------------------- scaling and 1R


def test_share_scaling_keeps_the_backtests_sizes_relative_to_its_initial_balance() -> None:
    pnl, risk = Scaling(50_000, 200_000).apply(np.array([500.0, -250.0]), np.array([250.0, 250.0]))
    assert list(pnl) == [2_000, -1_000] and list(risk) == [1_000, 1_000]


def test_r_scaling_resizes_every_trade_to_the_same_risk() -> None:
    pnl, risk = Scaling(50_000, 200_000, risk_pct=0.5).apply(np.array([500.0, -250.0]), np.array([250.0, 100.0]))
    assert list(pnl) == [2_000, -2_500] and list(risk) == [1_000, 1_000]
    assert "0.5 %" in Scaling(50_000, 200_000, risk_pct=0.5).describe()


def test_one_r_is_pnl_over_r_and_the_median_where_a_record_cannot_tell() -> None:
    row = TradeRow("a", prague(JUNE, 9), prague(JUNE, 10), pnl=-480.0, r_multiple=-0.8, pnl_penalised=-500.0)
    converted = row.trade()
    assert converted.one_r == pytest.approx(600.0) and converted.pnl == -500.0  # the penalised P/L
    flat = TradeRow("b", prague(JUNE, 11), prague(JUNE, 12), pnl=0.0, r_multiple=0.0, pnl_penalised=0.0).trade()
    assert flat.one_r is None
    filled, count = recovered_one_r([converted, flat, BacktestTrade("c", prague(JUNE, 13), prague(JUNE, 14), 1.0, 800.0)])
    assert list(filled) == [600.0, 700.0, 800.0] and count == 1


def test_a_trade_list_without_any_1r_is_refused() -> None:
    trades = [BacktestTrade("a", prague(JUNE, 9), prague(JUNE, 10), 0.0, None)]
    with pytest.raises(ValueError, match="1R"):
        line_of(trades)


# ---------------------------------------------------------------- the summary


def _summary(outcomes: list[Outcome], days: list[int], gate: ChallengeGate | None = None) -> dict:
    n = len(outcomes)
    results = Results(np.array(outcomes, np.int64), np.array(days, np.int64), np.full(n, -1, np.int64),
                      np.linspace(95_000, 112_000, n), np.zeros(n, np.int64), ())
    return ChallengeSummary.of(results, True, INITIAL, gate or ChallengeGate()).as_dict()


def test_pass_rate_with_its_wilson_interval_and_the_gate() -> None:
    out = _summary([Outcome.PASSED] * 15 + [Outcome.FAILED] * 5, [10] * 10 + [14] * 5 + [3] * 5)
    rate = out["pass_rate"]
    assert rate["value"] == 0.75 and rate["n"] == 20
    assert rate["wilson_low"] == pytest.approx(0.5313, abs=1e-4) and rate["wilson_high"] == pytest.approx(0.8881, abs=1e-4)
    assert out["days_to_pass"] == {"mean": 11.33, "median": 10.0, "n": 15}
    assert out["gate"]["verdict"] == "passed"


def test_the_gate_fails_under_70_percent_or_under_20_attempts_with_every_reason() -> None:
    few = _summary([Outcome.PASSED] * 9 + [Outcome.UNFINISHED] * 1, [5] * 10)
    assert few["gate"]["verdict"] == "failed" and few["gate"]["reasons"] == ["attempts 10 < 20"]
    low = _summary([Outcome.PASSED] * 13 + [Outcome.STOPPED] * 7, [5] * 20)
    assert low["gate"]["reasons"] == ["pass rate 0.65 < 0.7"]
    stricter = _summary([Outcome.PASSED] * 20, [5] * 20, ChallengeGate(min_pass_rate=0.9, min_attempts=30))
    assert stricter["gate"]["reasons"] == ["attempts 20 < 30"]


def test_final_equity_quantiles_in_money_and_percent() -> None:
    spread = _summary([Outcome.UNFINISHED] * 5, [5] * 5)["final_equity"]
    assert spread["min"] == 95_000 and spread["max"] == 112_000 and spread["p50"] == 103_500
    assert spread["return_pct"]["p50"] == 3.5


def test_the_breach_log_names_rule_day_date_equity_floor_and_trade() -> None:
    d = _days(3)
    trades = [day_trade(d[0], 1_000), day_trade(d[1], -6_000, hour=15, one_r=800, signal_id="gap")]
    line = line_of(trades, (d[0], d[2]))
    out = run(line, TWO_STEP, historical(line, 3))
    first, second = Results.of(out, line).breaches
    assert first.attempt == 1 and first.phase == 1 and first.rules == ("ftmo_daily_loss",)
    assert first.where == "trade_open" and first.day == 2 and first.date == d[1]
    assert first.equity == 95_000 and first.floor == 96_000 and first.signal_id == "gap"
    # the attempt starting on day 2 meets the gap on its first day, from 100,000
    assert (second.attempt, second.day, second.date, second.equity, second.floor) == (2, 1, d[1], 94_000, 95_000)


def test_a_midnight_breach_is_dated_the_day_it_happens() -> None:
    d = _days(3)
    gain = day_trade(d[0], 6_000, hour=9)
    overnight = trade("overnight", prague(d[0], 23, 50), 300, one_r=5_500, closed=prague(d[1], 0, 20))
    line = line_of([gain, overnight], (d[0], d[2]))
    (breach,) = Results.of(run(line), line).breaches
    assert breach.where == "midnight" and breach.date == d[1] and breach.day == 2 and breach.signal_id == "overnight"


# ---------------------------------------------------------------- the use case


def _rows() -> list[TradeRow]:
    d = _days(10)
    return [TradeRow(f"t{i}", prague(x, 10), prague(x, 11), pnl=p, r_multiple=p / 1_000, pnl_penalised=p)
            for i, (x, p) in enumerate(zip(d, [2_000, 1_500, -1_000, 3_000, 2_500, 1_000, -500, 2_000, 1_500, 800],
                                          strict=True))]


def _request(mode: Mode, attempts: int = 20, seed: int = 1) -> ChallengeRequest:
    return ChallengeRequest(mode, attempts, RiskSettings(), Scaling(INITIAL, INITIAL), seed,
                            period=Period(JUNE, JUNE + timedelta(days=11), "test"))


def test_historical_runs_one_attempt_per_day_and_says_so() -> None:
    out = simulate_challenges(_rows(), _request(Mode.HISTORICAL)).as_dict()
    assert out["challenge"]["attempts_requested"] == 20 and out["challenge"]["attempts"] == 12
    assert out["trades"]["days"] == 12 and out["gate"]["verdict"] == "failed"
    assert "attempts 12 < 20" in out["gate"]["reasons"]
    assert set(out["assumptions"]) >= {"scaling", "intraday_equity", "internal_floors", "phases", "target"}


def test_monte_carlo_reports_are_repeatable_with_their_seed() -> None:
    first = simulate_challenges(_rows(), _request(Mode.MONTE_CARLO, 300, seed=5)).as_dict()
    again = simulate_challenges(_rows(), _request(Mode.MONTE_CARLO, 300, seed=5)).as_dict()
    other = simulate_challenges(_rows(), _request(Mode.MONTE_CARLO, 300, seed=6)).as_dict()
    assert first == again and first["challenge"]["seed"] == 5
    assert first["final_equity"] != other["final_equity"]
    assert first["challenge"]["days_per_attempt"] == 12
