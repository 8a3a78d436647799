"""The gates: every broken condition listed, non-finite evidence failing closed, thresholds validated."""

from __future__ import annotations

import math

import pytest

from domain.evaluation import AcceptanceGate, ChallengeGate, Failed, Passed, PromotionGate


def test_promotion_fails_with_every_reason_at_once() -> None:
    verdict = PromotionGate().check({"BTC": 0.70, "ETH": 0.61, "BNB": math.nan}, 0.08, leakage_passed=False,
                                    time_split=False)
    assert isinstance(verdict, Failed) and not verdict.passed
    assert verdict.reasons == ("BNB validation accuracy is nan, not a finite number: fails closed",
                               "ETH validation accuracy 0.61 < 0.68",
                               "not validated on a time split (a shuffled split leaks the future)",
                               "tier calibration MAE 0.08 > 0.05", "leakage check did not pass")
    assert "BTC validation accuracy 0.7 >= 0.68" in verdict.checks


def test_promotion_passes_on_good_evidence_and_fails_on_none() -> None:
    verdict = PromotionGate().check({"BTC": 0.7, "ETH": 0.68}, 0.05, leakage_passed=True, time_split=True)
    assert isinstance(verdict, Passed) and verdict.passed
    empty = PromotionGate().check({}, 0.01, leakage_passed=True, time_split=True)
    assert isinstance(empty, Failed) and empty.reasons == ("no coin's validation accuracy was given",)


def test_challenge_gate_needs_the_rate_and_the_attempts() -> None:
    assert ChallengeGate().check(0.75, 20).passed
    failed = ChallengeGate().check(0.65, 10)
    assert isinstance(failed, Failed) and failed.reasons == ("pass rate 0.65 < 0.7", "attempts 10 < 20")
    assert ChallengeGate().check(math.inf, 40).reasons == ("pass rate is inf, not a finite number: fails closed",)  # type: ignore[union-attr]


def test_acceptance_shows_the_wilson_lower_bound_and_lists_both_failures() -> None:
    passed = AcceptanceGate().check(0.70, 100)
    # centre (0.7 + 1.96^2/200) / (1 + 1.96^2/100) = 0.6926, half 1.96 * sqrt(0.0021 + 0.000096) / 1.0384 = 0.0885
    assert isinstance(passed, Passed)
    assert "win rate Wilson 95 % interval [0.6042, 0.7811] over 100 trades" in passed.checks
    failed = AcceptanceGate().check(0.5, 40)
    assert isinstance(failed, Failed) and failed.reasons == ("win rate 0.5 < 0.68", "trades 40 < 100")
    assert any("Wilson" in c for c in failed.checks)


def test_acceptance_with_no_trades_or_a_nan_fails_closed() -> None:
    none = AcceptanceGate().check(None, 0)
    assert none.reasons == ("win rate is missing (nothing to measure it on): fails closed", "trades 0 < 100")  # type: ignore[union-attr]
    nan = AcceptanceGate().check(math.nan, 150)
    assert nan.reasons == ("win rate is nan, not a finite number: fails closed",)  # type: ignore[union-attr]
    beyond = AcceptanceGate().check(1.5, 150)
    assert "win rate 1.5 is not a share within [0, 1]" in beyond.reasons  # type: ignore[union-attr]


def test_thresholds_are_validated_where_the_gate_is_built() -> None:
    with pytest.raises(ValueError, match="min_accuracy must be a share"):
        PromotionGate(min_accuracy=math.nan)
    with pytest.raises(ValueError, match="min_attempts must be a whole number"):
        ChallengeGate(min_attempts=0)
    with pytest.raises(ValueError, match="min_win_rate must be a share"):
        AcceptanceGate(min_win_rate=1.2)
    assert AcceptanceGate(min_win_rate=0.6, min_trades=10).check(0.6, 10).passed


def test_verdicts_serialise_with_their_reasons() -> None:
    failed = ChallengeGate().check(0.1, 30).as_dict()
    assert failed == {"gate": "challenge", "verdict": "failed", "reasons": ["pass rate 0.1 < 0.7"],
                      "checks": ["pass rate 0.1 < 0.7", "attempts 30 >= 20"]}
