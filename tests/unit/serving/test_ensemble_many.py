"""The backtest's vectorised ensemble gives each bar exactly what the runtime's scalar one gives."""

from __future__ import annotations

import numpy as np
import pytest

from domain.market.candles import Direction
from domain.signals.confidence import EnsembleSettings, ensemble, ensemble_many
from domain.signals.signal import Prediction


def _prediction(p_up: float) -> Prediction:
    return Prediction(Direction.LONG, p_up) if p_up >= 0.5 else Prediction(Direction.SHORT, 1 - p_up)


@pytest.mark.parametrize("settings", [EnsembleSettings(), EnsembleSettings(without_rl={"lstm": 0.3, "transformer": 0.7},
                                                                         bias_pp=2.5)])
def test_every_bar_equals_the_scalar_ensemble(settings: EnsembleSettings) -> None:
    rng = np.random.default_rng(3)
    lstm, transformer = rng.uniform(0, 1, 2_000), rng.uniform(0, 1, 2_000)
    lstm[[5, 17]] = np.nan  # no window there: no prediction
    direction, confidence = ensemble_many({"lstm": lstm, "transformer": transformer}, settings)
    for i in range(len(lstm)):
        if np.isnan(lstm[i]):
            assert direction[i] == 0 and np.isnan(confidence[i])
            continue
        one = ensemble({"lstm": _prediction(lstm[i]), "transformer": _prediction(transformer[i])}, settings)
        assert (direction[i], confidence[i]) == (one.direction.sign, one.confidence), i


def test_the_bias_lowers_confidence_and_a_missing_model_is_refused() -> None:
    direction, confidence = ensemble_many({"lstm": np.array([0.8]), "transformer": np.array([0.6])})
    assert direction[0] == 1 and confidence[0] == pytest.approx(0.70 - 0.05)
    with pytest.raises(ValueError, match="missing \\['transformer'\\]"):
        ensemble_many({"lstm": np.array([0.8])})
