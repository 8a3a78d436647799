"""Brier score, the reliability curve and the calibration error per tier, pinned by hand."""

from __future__ import annotations

import numpy as np
import pytest

from domain.evaluation import trade_metrics
from domain.evaluation.calibration import RELIABILITY_EDGES, reliability
from domain.signals.signal import Tier
from tests.unit.evaluation.builders import DAY, NO_EQUITY, trade

TRADES = [trade(10, probability=0.6), trade(-5, probability=0.6, right=False),
          trade(10, tier=Tier.HIGH, probability=0.7, right=None), trade(10, tier=Tier.HIGH, probability=0.8)]


def _win():  # type: ignore[no-untyped-def]
    return trade_metrics(TRADES, NO_EQUITY, DAY).calibration[0]


def test_brier_is_the_mean_squared_gap_between_probability_and_outcome() -> None:
    # (0.6-1)^2 + (0.6-0)^2 + (0.7-1)^2 + (0.8-1)^2 = 0.16 + 0.36 + 0.09 + 0.04
    assert _win().brier.value == pytest.approx(0.65 / 4) and _win().brier.n == 4


def test_tier_calibration_error_and_its_trade_weighted_mae() -> None:
    tiers = {t.tier: t for t in _win().tiers}
    assert tiers["LOW"].mean_probability.value == pytest.approx(0.6) and tiers["LOW"].observed.value == 0.5
    assert tiers["LOW"].error.value == pytest.approx(0.1)
    assert tiers["HIGH"].error.value == pytest.approx(0.25)  # 0.75 said, 1.0 came
    assert tiers["MEDIUM"].error.value is None and tiers["MEDIUM"].error.n == 0
    assert _win().tier_mae.value == pytest.approx((0.1 * 2 + 0.25 * 2) / 4) and _win().tier_mae.n == 4


def test_the_direction_outcome_counts_only_calls_whose_horizon_is_known() -> None:
    direction = trade_metrics(TRADES, NO_EQUITY, DAY).calibration[1]
    assert direction.outcome == "direction" and direction.brier.n == 3
    # (0.6-1)^2 + (0.6-0)^2 + (0.8-1)^2
    assert direction.brier.value == pytest.approx((0.16 + 0.36 + 0.04) / 3)


def test_reliability_bins_keep_every_bin_with_counts_and_observed_rates() -> None:
    bins = _win().reliability
    assert len(bins) == len(RELIABILITY_EDGES) - 1
    assert (bins[2].low, bins[2].high, bins[2].observed.n, bins[2].observed.value) == (0.6, 0.65, 2, 0.5)
    assert bins[2].mean_probability == pytest.approx(0.6)
    assert bins[4].observed.n == 1 and bins[6].observed.n == 1
    assert bins[0].observed.n == 0 and bins[0].mean_probability is None


def test_probabilities_outside_the_edges_go_to_the_end_bins() -> None:
    bins = reliability(np.array([0.3, 1.0]), np.array([False, True]))
    assert bins[0].observed.n == 1 and bins[-1].observed.n == 1 and bins[-1].observed.value == 1.0
    with pytest.raises(ValueError, match="increasing"):
        reliability(np.array([0.6]), np.array([True]), edges=(0.6, 0.6))


def test_no_trades_give_null_calibration_figures() -> None:
    win = trade_metrics([], NO_EQUITY, DAY).calibration[0]
    assert win.brier.value is None and win.brier.note == "no trades"
    assert win.tier_mae.value is None and all(b.observed.n == 0 for b in win.reliability)
