"""Ensemble weights and bias, calibration policy, tier hysteresis and pattern history."""

from __future__ import annotations

import math

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.market.candles import Direction, Pair
from domain.signals.confidence import (
    Calibration,
    CalibrationPolicy,
    EnsembleSettings,
    HysteresisSettings,
    IsotonicMapping,
    PairTier,
    PatternSettings,
    PlattMapping,
    TierState,
    adjust_for_pattern,
    calibration_error,
    ensemble,
    step_tier,
    update_tier,
)
from domain.signals.signal import Prediction, Tier, TierThresholds


@attrs.frozen
class PatternRecord:
    """Stands in for any wins/total record (domain.signals.patterns.PatternRecord has the same shape)."""

    pattern_hash: str
    name: str
    wins: int = 0
    total: int = 0


def up(p: float, model: str) -> Prediction:
    return Prediction(Direction.LONG, p, model=model)


def test_ensemble_with_rl_uses_35_40_25_and_takes_five_points_off() -> None:
    result = ensemble({"lstm": up(0.80, "lstm"), "transformer": up(0.70, "transformer"), "rl": up(0.60, "rl")})
    expected = 0.35 * 0.80 + 0.40 * 0.70 + 0.25 * 0.60
    assert result.direction is Direction.LONG
    assert result.probability == pytest.approx(expected)
    assert result.confidence == pytest.approx(expected - 0.05)


def test_ensemble_without_rl_is_an_even_split_and_reads_short_predictions() -> None:
    result = ensemble({"lstm": up(0.70, "lstm"), "transformer": Prediction(Direction.SHORT, 0.90)})
    # P(up) = 0.5 * 0.70 + 0.5 * 0.10 = 0.40 -> SHORT at 0.60
    assert result.direction is Direction.SHORT
    assert result.probability == pytest.approx(0.60)
    assert result.confidence == pytest.approx(0.55)


def test_ensemble_weights_and_bias_are_settings() -> None:
    custom = EnsembleSettings(without_rl={"lstm": 1.0, "transformer": 3.0}, bias_pp=0)
    result = ensemble({"lstm": up(0.60, "lstm"), "transformer": up(0.80, "transformer")}, custom)
    assert result.confidence == pytest.approx(0.75)
    with pytest.raises(ValueError, match="missing"):
        ensemble({"lstm": up(0.6, "lstm")})
    with pytest.raises(ValueError):
        EnsembleSettings(with_rl={"lstm": -1.0})


def test_bias_never_goes_below_zero() -> None:
    result = ensemble({"lstm": up(0.5, "lstm"), "transformer": up(0.5, "transformer")},
                      EnsembleSettings(bias_pp=49))
    assert result.confidence == pytest.approx(0.01)


def test_platt_mapping() -> None:
    assert PlattMapping(1, 0)(0.73) == pytest.approx(0.73)
    assert PlattMapping(1, math.log(2))(0.5) == pytest.approx(2 / 3)
    assert PlattMapping(0.5, 0)(0.9) == pytest.approx(1 / (1 + math.sqrt(1 / 9)))


def test_isotonic_mapping_interpolates_between_breakpoints() -> None:
    mapping = IsotonicMapping([0.5, 0.7, 0.9], [0.5, 0.6, 0.8])
    assert mapping(0.6) == pytest.approx(0.55)
    assert mapping(0.95) == pytest.approx(0.8)
    with pytest.raises(ValueError, match="increasing"):
        IsotonicMapping([0.5, 0.5], [0.1, 0.2])
    with pytest.raises(ValueError, match="non-decreasing"):
        IsotonicMapping([0.5, 0.6], [0.3, 0.2])


def test_calibration_applies_only_above_the_error_threshold() -> None:
    mapping = PlattMapping(0.5, 0)
    assert Calibration(measured_error=0.04, mapping=mapping).apply(0.9) == 0.9
    assert Calibration(measured_error=0.06, mapping=mapping).apply(0.9) == pytest.approx(mapping(0.9))
    strict = CalibrationPolicy(max_error=0.02)
    assert Calibration(measured_error=0.04, mapping=mapping, policy=strict).apply(0.9) == pytest.approx(mapping(0.9))
    with pytest.raises(ValueError, match="no mapping"):
        Calibration(measured_error=0.2).apply(0.9)


def test_calibration_error() -> None:
    assert calibration_error([0.8] * 10, [True] * 8 + [False] * 2) == pytest.approx(0.0)
    assert calibration_error([0.9] * 10, [True] * 5 + [False] * 5) == pytest.approx(0.4)
    assert calibration_error([0.2, 0.8], [False, True]) == pytest.approx(0.2)


T = TierThresholds()  # high 0.70, medium 0.60, low 0.55
BTC = Pair("BTCUSDT")


def feed(confidences: list[float], state: TierState | None = None) -> list[Tier | None]:
    state = state or TierState()
    tiers = []
    for c in confidences:
        state, tier = update_tier(state, BTC, c, T)
        tiers.append(tier)
    return tiers


def test_moving_up_needs_two_consecutive_scans() -> None:
    assert feed([0.62, 0.62, 0.72, 0.72]) == [None, Tier.MEDIUM, Tier.MEDIUM, Tier.HIGH]


def test_an_interrupted_streak_starts_again() -> None:
    assert feed([0.72, 0.50, 0.72, 0.50]) == [None, None, None, None]


def test_moving_down_is_immediate() -> None:
    assert feed([0.72, 0.72, 0.61, 0.40]) == [None, Tier.HIGH, Tier.MEDIUM, None]


def test_a_streak_rises_to_the_lowest_tier_it_held() -> None:
    assert feed([0.72, 0.61]) == [None, Tier.MEDIUM]


def test_tier_state_is_a_plain_value_per_pair() -> None:
    state, _ = update_tier(TierState(), BTC, 0.72, T)
    eth = Pair("ETHUSDT")
    state, _ = update_tier(state, eth, 0.56, T)
    assert state.get(BTC) == PairTier(current=None, rising=Tier.HIGH, streak=1)
    assert state.get(eth).streak == 1
    assert state == TierState({"ETHUSDT": state.get(eth), "BTCUSDT": state.get(BTC)}.items())
    assert step_tier(PairTier(), Tier.LOW, HysteresisSettings(confirm_scans=1)) == PairTier(current=Tier.LOW)


@settings(max_examples=500, derandomize=True, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), max_size=30))
def test_hysteresis_never_emits_above_two_consecutive_raw_tiers(confidences):
    tiers = feed(confidences)
    raw = [T.tier_for(c) for c in confidences]
    rank = {None: 0, Tier.LOW: 1, Tier.MEDIUM: 2, Tier.HIGH: 3}
    for i, tier in enumerate(tiers):
        assert rank[tier] <= rank[raw[i]]  # never above what this scan says
        if rank[tier] > (rank[tiers[i - 1]] if i else 0):  # moved up: the previous scan agreed
            assert i >= 1 and rank[raw[i - 1]] >= rank[tier]


def test_pattern_history_pulls_confidence_towards_its_win_rate() -> None:
    record = PatternRecord("abc", "flag", wins=24, total=30)  # 80 %
    assert adjust_for_pattern(0.60, record) == pytest.approx(0.60 + 0.5 * 0.20)


def test_a_rarely_seen_pattern_has_proportionally_less_influence() -> None:
    few = PatternRecord("abc", "flag", wins=3, total=3)  # 100 % but only 3 of 30
    assert adjust_for_pattern(0.60, few) == pytest.approx(0.60 + 0.5 * (3 / 30) * 0.40)
    assert adjust_for_pattern(0.60, None) == 0.60
    assert adjust_for_pattern(0.60, PatternRecord("abc", "flag")) == 0.60


def test_pattern_shift_is_capped() -> None:
    record = PatternRecord("abc", "flag", wins=0, total=100)
    assert adjust_for_pattern(0.70, record) == pytest.approx(0.60)
    loose = PatternSettings(min_samples=10, weight=1.0, max_shift=1.0)
    assert adjust_for_pattern(0.70, record, loose) == pytest.approx(0.0)
