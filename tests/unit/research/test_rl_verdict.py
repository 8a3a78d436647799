"""The verdict's two criteria, stated before any run, and the ensemble's refusal without a pass."""

from __future__ import annotations

import attrs

from application.research.rl_verdict import (
    ENGINE_BASIS,
    RL_WEIGHT,
    CurvePoint,
    SeedRun,
    admission,
    coefficient_of_variation,
    judge,
)
from domain.risk.decisions import Allowed, Denied


def _run(seed: int, start: float, end: float, oos: float, episodes: int = 40) -> SeedRun:
    rewards = [start + (end - start) * k / (episodes - 1) for k in range(episodes)]
    return SeedRun(seed, tuple(CurvePoint(96 * (k + 1), r, 96) for k, r in enumerate(rewards)), oos)


def test_stable_improving_seeds_that_beat_the_supervised_predictor_pass() -> None:
    verdict = judge([_run(0, -2.0, 1.0, 1.5), _run(1, -2.5, 1.1, 0.9), _run(2, -1.8, 0.9, 2.0)], "baseline", 0.5)
    assert verdict.passed and verdict.stable and verdict.beats_supervised and verdict.reasons == ()
    assert isinstance(admission(verdict), Allowed) and RL_WEIGHT == 0.25


def test_a_seed_that_does_not_learn_fails_stability() -> None:
    verdict = judge([_run(0, -2.0, 1.0, 1.5), _run(1, 1.0, -1.0, 1.5), _run(2, -1.8, 0.9, 2.0)], "baseline", 0.5)
    assert not verdict.stable and verdict.beats_supervised and not verdict.passed
    assert any("seed 1" in r for r in verdict.reasons)


def test_seeds_that_end_far_apart_fail_stability() -> None:
    verdict = judge([_run(0, -2.0, 0.1, 1.5), _run(1, -2.0, 3.0, 1.5), _run(2, -2.0, 0.2, 2.0)], "baseline", 0.5)
    assert not verdict.stable and any("coefficient of variation" in r for r in verdict.reasons)
    assert coefficient_of_variation([1.0, 1.0, 1.0]) == 0.0 and coefficient_of_variation([-1.0, 1.0]) == float("inf")


def test_fewer_than_three_seeds_cannot_show_stability() -> None:
    assert not judge([_run(0, -2.0, 1.0, 1.5), _run(1, -2.0, 1.0, 1.5)], "baseline", 0.5).stable


def test_one_seed_behind_the_supervised_predictor_or_a_loss_fails_out_of_sample() -> None:
    behind = judge([_run(0, -2.0, 1.0, 1.5), _run(1, -2.0, 1.0, 0.4), _run(2, -2.0, 1.0, 2.0)], "baseline", 0.5)
    assert behind.stable and not behind.beats_supervised
    # the predictor lost 9 %: an agent losing 1 % beats it, but not staying flat
    losing = judge([_run(s, -2.0, 1.0, -1.0) for s in range(3)], "baseline", -9.0)
    assert not losing.beats_supervised and "staying flat" in losing.reasons[0]


def test_the_rl_member_is_refused_without_a_passing_verdict() -> None:
    missing = admission(None)
    assert isinstance(missing, Denied) and "no RL verdict" in missing.reasons[0].message
    failed = admission(judge([_run(0, 1.0, -1.0, -3.0)], "baseline", 0.5))
    assert isinstance(failed, Denied) and failed.rules == ("rl_verdict",) * len(failed.reasons)
    assert any("does not beat" in r.message for r in failed.reasons)


def test_the_out_of_sample_criterion_is_the_engine_s_and_an_older_verdict_is_refused() -> None:
    verdict = judge([_run(s, -2.0, 1.0, 0.2) for s in range(3)], "baseline", 0.5)
    assert verdict.basis == ENGINE_BASIS and all("in the backtest engine" in r for r in verdict.reasons)
    # a verdict written before the engine measured it (no basis) does not admit, even when it passed
    passed = judge([_run(s, -2.0, 1.0, 1.5) for s in range(3)], "baseline", 0.5)
    assert isinstance(admission(passed), Allowed)
    older = admission(attrs.evolve(passed, basis=""))
    assert isinstance(older, Denied) and "not measured in the backtest engine" in older.reasons[0].message
