"""Rates carry their Wilson interval; figures their trades and the few-trades flag; nothing is NaN."""

from __future__ import annotations

import math

import pytest

from domain.evaluation import MIN_TRADES, Rate, Stat, wilson_interval


def test_wilson_interval_matches_the_hand_computed_bounds() -> None:
    # 8 of 10: centre (0.8 + 1.92/10) / 1.384, half 1.96 * sqrt(0.016 + 0.0096) / 1.384
    low, high = wilson_interval(8, 10)  # type: ignore[misc]
    assert low == pytest.approx(0.4902, abs=1e-4) and high == pytest.approx(0.9433, abs=1e-4)
    low, high = wilson_interval(1, 1)  # type: ignore[misc]
    assert low == pytest.approx(0.2065, abs=1e-4) and high == 1.0
    assert wilson_interval(0, 5)[0] == 0.0  # type: ignore[index]
    assert wilson_interval(0, 0) is None


def test_a_rate_on_no_trades_is_null_with_a_note_not_nan() -> None:
    assert Rate(0, 0).as_dict() == {"value": None, "successes": 0, "n": 0, "wilson_low": None, "wilson_high": None,
                                    "few_trades": True, "note": "no trades"}
    with pytest.raises(ValueError, match="successes"):
        Rate(3, 2)


def test_a_figure_flags_fewer_than_thirty_trades() -> None:
    assert Stat(0.5, MIN_TRADES - 1).few_trades and not Stat(0.5, MIN_TRADES).few_trades
    assert not Rate(20, MIN_TRADES).few_trades


def test_a_non_finite_figure_becomes_none() -> None:
    assert Stat(math.nan, 3).value is None and Stat(math.inf, 3).value is None


def test_the_interval_always_holds_its_own_rate() -> None:
    # 0 of 3 once came out as [5.6e-17, ...] and 10 of 10 as [..., 0.9999999999999999]: a chart's
    # error bar from the rate to its bounds was then negative
    for n in range(1, 300):
        for successes in range(n + 1):
            low, high = wilson_interval(successes, n)  # type: ignore[misc]
            assert 0.0 <= low <= successes / n <= high <= 1.0
    assert wilson_interval(0, 3)[0] == 0.0 and wilson_interval(10, 10)[1] == 1.0  # type: ignore[index]
