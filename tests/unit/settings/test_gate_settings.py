"""The gates' thresholds are settings: defaults are the plan's, a bad value is named by its key,
and the gates built from them carry them."""

from __future__ import annotations

from pathlib import Path

from domain.evaluation import AcceptanceGate, ChallengeGate, Gates, PromotionGate
from entrypoints.settings.domain_config import gates
from tests.unit.settings.test_settings import load, problems


def test_the_defaults_are_the_plans_thresholds(tmp_path: Path) -> None:
    assert gates(load(tmp_path).settings) == Gates(PromotionGate(0.68, 0.05), ChallengeGate(0.70, 20),
                                                   AcceptanceGate(0.68, 100))


def test_every_source_sets_them(tmp_path: Path) -> None:
    loaded = load(tmp_path, "[gates]\nchallenge_min_attempts = 50\n", "GATE_ACCEPTANCE_MIN_TRADES=200\n",
                  GATE_PROMOTION_MAX_CALIBRATION_ERROR="0.03")
    built = gates(loaded.settings)
    assert (built.challenge.min_attempts, built.acceptance.min_trades) == (50, 200)
    assert built.promotion.max_calibration_error == 0.03


def test_each_bad_threshold_is_named_by_its_key(tmp_path: Path) -> None:
    found = problems(tmp_path, GATE_PROMOTION_MIN_ACCURACY="1.2", GATE_PROMOTION_MAX_CALIBRATION_ERROR="-0.1",
                     GATE_CHALLENGE_MIN_PASS_RATE="inf", GATE_CHALLENGE_MIN_ATTEMPTS="0",
                     GATE_ACCEPTANCE_MIN_WIN_RATE="nan", GATE_ACCEPTANCE_MIN_TRADES="-5")
    assert set(found) == {f"gates.{k}" for k in ("promotion_min_accuracy", "promotion_max_calibration_error",
                                                 "challenge_min_pass_rate", "challenge_min_attempts",
                                                 "acceptance_min_win_rate", "acceptance_min_trades")}
    assert "share within [0, 1]" in found["gates.promotion_min_accuracy"]
    assert "finite" in found["gates.challenge_min_pass_rate"]
    assert "whole number >= 1" in found["gates.acceptance_min_trades"]


def test_the_random_baseline_is_refused_in_live_mode(tmp_path: Path) -> None:
    found = problems(tmp_path, PREDICTOR="random", TRADEAI_MODE="live")
    assert "never trades live" in found["predictor.name"]
    assert load(tmp_path, PREDICTOR="random").settings.predictor.name == "random"
