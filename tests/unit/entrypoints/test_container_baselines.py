"""The composition root offers the random-direction baseline wherever it selects a predictor, and
the baselines a report compares with, seeded by the run's seed."""

from __future__ import annotations

from pathlib import Path

import attrs

from adapters.predictors.baseline import BaselineMomentumPredictor
from adapters.predictors.random_direction import RandomDirectionPredictor
from entrypoints.container import build_container
from entrypoints.settings import Settings
from tests.unit.entrypoints.test_container import settings_for


def test_predictor_random_is_selected_for_the_runtime_and_the_backtest(tmp_path: Path) -> None:
    base = Settings()
    settings = settings_for(tmp_path, predictor=attrs.evolve(base.predictor, name="random"), seed=11,
                            signals=attrs.evolve(base.signals, tier_low=0.58))
    container = build_container(settings)
    for predictor in (container.runtime().predictor(), container.backtest().predictor()):
        assert isinstance(predictor, RandomDirectionPredictor)
        assert predictor.version == "random-direction-seed11-p0.58"  # at the LOW threshold: it trades at LOW


def test_the_baselines_are_momentum_and_a_seeded_coin_toss(tmp_path: Path) -> None:
    baselines = build_container(settings_for(tmp_path, seed=5)).backtest().baselines()
    assert list(baselines) == ["momentum", "random"]
    assert isinstance(baselines["momentum"], BaselineMomentumPredictor)
    assert baselines["random"].version == "random-direction-seed5-p0.55"
