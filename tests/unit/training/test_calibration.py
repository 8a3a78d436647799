"""Platt and isotonic maps fitted on synthetic probabilities, chosen and judged out of fold."""

from __future__ import annotations

import numpy as np
import pytest

from application.models.training.calibrate import (
    apply_mapping,
    calibrate,
    fit_isotonic,
    fit_platt,
    logit,
    sigmoid,
)
from domain.signals.confidence import CalibrationMethod, CalibrationPolicy, calibration_error


def overconfident(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True probabilities q; the model says sigmoid(3 logit(q) + 0.4): too sure and biased up."""
    rng = np.random.default_rng(seed)
    q = rng.uniform(0.3, 0.7, n)
    y = (rng.random(n) < q).astype(np.float64)
    return sigmoid(3 * logit(q) + 0.4), y, q


def test_platt_recovers_the_inverse_distortion() -> None:
    p, y, _ = overconfident(200_000)
    mapping = fit_platt(p, y)
    # the model's logit is 3 logit(q) + 0.4, so logit(q) = (logit(p) - 0.4) / 3
    assert mapping.a == pytest.approx(1 / 3, abs=0.02) and mapping.b == pytest.approx(-0.4 / 3, abs=0.02)
    assert [mapping(v) for v in p[:5]] == pytest.approx(apply_mapping(mapping, p[:5]).tolist(), abs=1e-12)


def test_isotonic_is_monotone_within_bounds_and_matches_the_domain_map() -> None:
    p, y, _ = overconfident(20_000, seed=1)
    mapping = fit_isotonic(p, y)
    assert all(b > a for a, b in zip(mapping.x, mapping.x[1:], strict=False))
    assert all(b >= a for a, b in zip(mapping.y, mapping.y[1:], strict=False))
    assert min(mapping.y) >= 0 and max(mapping.y) <= 1
    mapped = apply_mapping(mapping, p)
    assert [mapping(v) for v in p[:5]] == pytest.approx(mapped[:5].tolist())
    assert calibration_error(mapped.tolist(), (y > 0.5).tolist()) < 0.01 < calibration_error(p.tolist(), (y > 0.5).tolist())


def test_isotonic_on_constant_probabilities_is_the_observed_rate() -> None:
    mapping = fit_isotonic(np.full(10, 0.5), np.array([1.0] * 3 + [0.0] * 7))
    assert mapping(0.5) == pytest.approx(0.3)


def test_a_miscalibrated_model_is_mapped_and_the_error_measured_out_of_fold() -> None:
    p, y, q = overconfident(50_000, seed=2)
    fitted = calibrate(p, y)
    assert fitted.applied and fitted.error_before > 0.05
    assert fitted.error_after < 0.02  # out of fold: each block mapped by a fit on the others
    assert set(fitted.brier_out_of_fold) == {"platt", "isotonic", "none"}
    assert fitted.brier_out_of_fold[fitted.method.value] < fitted.brier_out_of_fold["none"]
    served = fitted.transform(p)
    assert np.mean(np.abs(served - q)) < np.mean(np.abs(p - q)) / 3
    card = fitted.as_card()
    assert card["applied"] and card["method"] in ("platt", "isotonic") and card["fitted_on"] == "validation"


def test_a_calibrated_model_is_left_alone_and_a_method_can_be_forced() -> None:
    rng = np.random.default_rng(3)
    p = rng.uniform(0.3, 0.7, 20_000)
    y = (rng.random(20_000) < p).astype(np.float64)
    fitted = calibrate(p, y, CalibrationPolicy(max_error=0.05), CalibrationMethod.ISOTONIC)
    assert not fitted.applied and fitted.method is CalibrationMethod.ISOTONIC
    assert fitted.error_after == fitted.error_before < 0.05
    np.testing.assert_array_equal(fitted.transform(p), p)
