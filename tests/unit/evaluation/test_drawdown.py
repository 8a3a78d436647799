"""Drawdowns on the equity curve: deepest point, mean episode depth, a curve that only rises."""

from __future__ import annotations

import pytest

from domain.evaluation import EquitySeries
from domain.evaluation.equity import drawdown


def test_maximum_and_average_drawdown_of_a_hand_built_curve() -> None:
    # peaks 100 then 120; episodes: 100 -> 90 -> 95 (depth 10), 120 -> 102 -> 110 (depth 18, open at the end)
    curve = EquitySeries(range(8), [100, 90, 95, 100, 120, 102, 110, 110])
    dd = drawdown(curve, trades=12)
    assert dd.maximum.value == 18 and dd.maximum_pct.value == pytest.approx(15.0)
    assert dd.episodes == 2 and dd.average.value == pytest.approx(14.0)
    assert dd.average_pct.value == pytest.approx((10.0 + 15.0) / 2)
    assert dd.maximum.n == 12 and dd.maximum.few_trades


def test_a_curve_that_only_rises_has_no_drawdown() -> None:
    dd = drawdown(EquitySeries(range(4), [100, 100, 101, 130]), trades=40)
    assert dd.maximum.value == 0.0 and dd.average.value == 0.0 and dd.episodes == 0
    assert dd.maximum.note == "equity never fell below its peak" and not dd.maximum.few_trades


def test_no_equity_series_gives_null_drawdowns() -> None:
    dd = drawdown(EquitySeries([], []), trades=0)
    assert dd.maximum.value is None and dd.maximum.note == "no equity series"


def test_an_equity_series_refuses_what_it_cannot_mean() -> None:
    with pytest.raises(ValueError, match="increase"):
        EquitySeries([2, 1], [1.0, 1.0])
    with pytest.raises(ValueError, match="finite"):
        EquitySeries([1, 2], [1.0, float("nan")])
    with pytest.raises(ValueError, match="one equity"):
        EquitySeries([1, 2], [1.0])
