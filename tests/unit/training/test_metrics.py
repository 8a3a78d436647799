"""The figures of a period: accuracy with its interval on effective samples, and the baselines."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pytest

from application.models.training.metrics import Outputs, baselines, period_metrics, tier_figures
from application.models.training.samples import build_matrix, period_samples
from domain.features.splits import Period
from domain.models.cards import CALIBRATION_ERROR, accuracy_key, samples_key
from domain.signals.signal import TierThresholds
from tests.unit.training.builders import FEATURES, START, manifest, pair_rows


def test_figures_against_the_majority_and_momentum_baselines() -> None:
    table = pair_rows(gap_every=0)
    matrix = build_matrix([table], FEATURES, 10)
    train = period_samples(matrix, Period("train", START, START + timedelta(days=3)))
    test = period_samples(matrix, Period("test", START + timedelta(days=3), START + timedelta(days=6)))
    base = baselines(matrix, train, manifest([table]), horizon=15)
    y = matrix.up[test.rows]
    perfect = np.where(y > 0.5, 0.9, 0.1)
    figures = period_metrics(matrix, test, Outputs(perfect, perfect), base, TierThresholds(), 15)
    n = len(test)
    assert figures[accuracy_key("BTCUSDT")] == 1.0 and figures[samples_key("BTCUSDT")] == n
    assert figures["brier_BTCUSDT"] == pytest.approx(0.01)
    # one effective sample per 15-minute bucket: about n / 15
    assert figures["effective_samples_BTCUSDT"] == pytest.approx(n / 15, rel=0.01)
    assert figures["wilson_low_BTCUSDT"] > 0.98 and figures["wilson_high_BTCUSDT"] == pytest.approx(1.0)
    # labels follow sign(ret_15) 65 % of the time: momentum is right about that often
    assert figures["momentum_accuracy_BTCUSDT"] == pytest.approx(0.65, abs=0.02)
    majority_up = base.majority_up["BTCUSDT"]
    assert figures["majority_accuracy_BTCUSDT"] == pytest.approx(np.mean(y == majority_up))
    assert figures[CALIBRATION_ERROR] == pytest.approx(0.1) and figures["tier_samples"] == n


def test_no_tier_reached_leaves_the_tier_error_out() -> None:
    p = np.full(100, 0.52)
    y = np.r_[np.ones(52), np.zeros(48)]
    figures = tier_figures(p, y, TierThresholds())
    assert figures == {"tier_samples": 0.0}
    assert CALIBRATION_ERROR in tier_figures(np.full(100, 0.6), y, TierThresholds())
