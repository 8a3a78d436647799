"""The guard and the simulator share domain.risk.rules: the floor arithmetic, the breach
comparisons, the target and the best-day rule work on one float and on arrays alike, and give the
same numbers either way."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.risk import BestDay, RiskSettings, floors, progress
from domain.risk.rules import at_or_below, best_day_met, falls_below, floor_levels, target_balance
from tests.unit.domain.builders import account

balances = st.floats(50_000, 150_000, allow_nan=False)


@given(st.lists(st.tuples(balances, balances, balances), min_size=1, max_size=20),
       st.sampled_from(["2-step", "1-step"]))
def test_floor_levels_on_arrays_equal_floors_of_each_account(values: list[tuple[float, float, float]],
                                                             ruleset: str) -> None:
    settings = RiskSettings.for_ruleset(ruleset)
    accounts = [account(balance=b, day_start=s, highest=max(h, s, 100_000.0)) for b, s, h in values]
    levels = floor_levels(100_000.0, np.array([a.day_start_balance for a in accounts]),
                          np.array([a.highest_eod_balance for a in accounts]), settings)
    for i, acc in enumerate(accounts):
        one = floors(acc, settings)
        assert (one.daily, one.total, one.internal_daily, one.internal_total) == (
            levels.daily[i], levels.total[i], levels.internal_daily[i], levels.internal_total[i])


def test_floor_levels_on_floats_stay_floats() -> None:
    levels = floor_levels(100_000.0, 105_000.0, 110_000.0, RiskSettings())
    assert levels == (100_000.0, 90_000.0, 100_500.0, 91_000.0)
    assert all(type(v) is float for v in levels)


def test_a_hard_floor_is_breached_below_it_an_internal_one_is_reached_at_it() -> None:
    assert not falls_below(95_000.0, 95_000.0) and falls_below(94_999.99, 95_000.0)
    assert at_or_below(95_500.0, 95_500.0)
    equity = np.array([94_999.0, 95_000.0, 95_001.0])
    assert list(falls_below(equity, 95_000.0)) == [True, False, False]
    assert list(at_or_below(equity, 95_000.0)) == [True, True, False]


@given(st.lists(st.tuples(st.floats(-5_000, 20_000), st.floats(-5_000, 20_000)), min_size=1, max_size=20),
       st.sampled_from([30.0, 50.0]))
def test_best_day_on_arrays_agrees_with_the_guards_best_day(pairs: list[tuple[float, float]], share: float) -> None:
    best = np.array([max(0.0, b) for b, _ in pairs])
    total = np.array([t for _, t in pairs])
    met = best_day_met(best, total, share)
    for i in range(len(pairs)):
        assert bool(met[i]) == BestDay(float(best[i]), float(total[i]), share).satisfied


def test_the_target_is_a_share_of_the_initial_balance_as_the_guards_progress_reads_it() -> None:
    assert target_balance(100_000.0, 10.0) == pytest.approx(110_000.0)
    ruleset = RiskSettings().ruleset
    assert progress(account(balance=target_balance(100_000.0, 10.0)), ruleset).target_reached
    assert not progress(account(balance=109_999.99), ruleset).target_reached
    assert progress(account(balance=target_balance(100_000.0, 5.0)), ruleset, phase=1).target_reached
