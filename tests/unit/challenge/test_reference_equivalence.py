"""The vectorised simulator against the plain reference (the guard's Account, floors() and
progress(), one attempt at a time) on random trade lists: the same outcome, day, phase, equity
and count of denied trades for every attempt, historical and Monte Carlo, 2-Step and 1-Step."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.challenge import BacktestTrade, bootstrap, historical, simulate
from domain.risk import RiskSettings
from tests.unit.challenge.builders import INITIAL, line_of, prague
from tests.unit.challenge.reference import reference

BASE = date(2025, 6, 2)  # June: no clock change within the days drawn
DAY_MS = 86_400_000


@st.composite
def trade_lists(draw: st.DrawFn) -> tuple[list[BacktestTrade], int]:
    days = draw(st.integers(1, 5))
    count = draw(st.integers(1, 14))
    # every instant distinct: the order of events is then the order of time, with no tie to break
    instants = draw(st.lists(st.integers(0, DAY_MS - 1), min_size=2 * count, max_size=2 * count, unique=True))
    trades = []
    for i in range(count):
        day = draw(st.integers(0, days - 1))
        later = draw(st.sampled_from([0, 0, 0, 0, 1, 2]))
        opened_ms, closed_ms = instants[2 * i], instants[2 * i + 1]
        if later == 0 and closed_ms <= opened_ms:
            opened_ms, closed_ms = closed_ms, opened_ms
        opened = prague(BASE + timedelta(days=day), 0) + timedelta(milliseconds=opened_ms)
        closed = prague(BASE + timedelta(days=day + later), 0) + timedelta(milliseconds=closed_ms)
        one_r = draw(st.integers(300, 3_000))
        pnl = draw(st.integers(-4_000, 4_500))
        trades.append(BacktestTrade(f"T{i}", opened, closed, float(pnl), float(one_r)))
    return trades, days


def _same(line_days: int, trades: list[BacktestTrade], attempts_of: str, seed: int, ruleset: str) -> None:
    line = line_of(trades, (BASE, BASE + timedelta(days=line_days - 1)))
    risk = RiskSettings.for_ruleset(ruleset)
    attempts = (historical(line, line.days) if attempts_of == "historical" else
                bootstrap(line, 6, 1 + seed % 7, np.random.default_rng(seed)))
    out = simulate(attempts, line, risk, INITIAL)
    for a in range(attempts.count):
        want = reference(line, list(attempts.days[a][:attempts.span[a]]), risk, INITIAL, BASE)
        got = (int(out.outcome[a]), int(out.day[a]), int(out.phase[a]), int(out.phase1_day[a]),
               float(out.equity[a]), int(out.denied[a]))
        assert got == (want.outcome, want.day, want.phase, want.phase1_day, want.equity, want.denied), (
            f"attempt {a} over days {list(attempts.days[a])}")


@settings(max_examples=150, deadline=None)
@given(trade_lists(), st.sampled_from(["historical", "monte-carlo"]), st.integers(0, 10_000),
       st.sampled_from(["2-step", "1-step"]))
def test_the_vectorised_simulator_agrees_with_the_reference(drawn: tuple[list[BacktestTrade], int], attempts: str,
                                                            seed: int, ruleset: str) -> None:
    trades, days = drawn
    _same(days, trades, attempts, seed, ruleset)


@settings(max_examples=60, deadline=None)
@given(trade_lists(), st.integers(0, 10_000))
def test_it_agrees_on_winning_lists_that_reach_verification(drawn: tuple[list[BacktestTrade], int],
                                                            seed: int) -> None:
    trades, days = drawn
    winners = [BacktestTrade(t.signal_id, t.opened_at, t.closed_at, abs(t.pnl) + 2_000, t.one_r) for t in trades]
    _same(days, winners, "monte-carlo", seed, "2-step")


@settings(max_examples=60, deadline=None)
@given(trade_lists(), st.sampled_from(["historical", "monte-carlo"]), st.integers(0, 10_000),
       st.sampled_from(["2-step", "1-step"]))
def test_it_agrees_when_no_loss_goes_past_its_stop(drawn: tuple[list[BacktestTrade], int], attempts: str, seed: int,
                                                   ruleset: str) -> None:
    """Then a hard floor cannot break as a trade opens, and the simulator skips that check."""
    trades, days = drawn
    capped = [BacktestTrade(t.signal_id, t.opened_at, t.closed_at, max(t.pnl, -(t.one_r or 0.0)), t.one_r)
              for t in trades]
    _same(days, capped, attempts, seed, ruleset)
