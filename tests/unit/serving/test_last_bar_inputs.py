"""The runtime's path (``predict``: the features of the last rows only, with numpy) against the
path it replaced (the pandas features of every candle handed in, the last bar scored), on
windows with gaps, a missing close and too few candles: the model inputs are the same float32
values and the predictions the same numbers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

from adapters.torch.serving import ServedModel, TorchEnsemblePredictor, forward, use_serving_threads
from domain.market.candles import CandleWindow, Direction
from domain.market.quality import Ohlcv
from domain.models.cards import ModelKind
from domain.signals.confidence import EnsembleSettings, ensemble_many
from tests.fakes.candles import drop_minutes, with_value
from tests.unit.serving.builders import BTC, COLUMNS, candles, feature_set, served

SETTINGS = EnsembleSettings(without_rl={"lstm": 0.4, "transformer": 0.6}, bias_pp=5.0)
PLATT = {"method": "platt", "applied": True, "params": {"a": 2.0, "b": -0.1}}


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return feature_set(tmp_path_factory.mktemp("features"))


def awkward_series() -> Ohlcv:
    return with_value(drop_minutes(candles()[BTC], 700, 1500, 1501), "close", 1800, float("nan"))


def test_the_inputs_of_the_last_rows_are_those_computed_from_every_candle(manifest: dict[str, Any]) -> None:
    inputs = served(ModelKind.LSTM, ("BTCUSDT",), manifest).inputs
    series, compared = awkward_series(), 0
    for end in range(1, len(series) + 1, 7):
        part = series.take(slice(max(0, end - 400), end))
        every = inputs.inputs("BTCUSDT", part)
        for rows in (1, 20, 60):
            last = inputs.last_inputs("BTCUSDT", part, rows)
            np.testing.assert_array_equal(last.usable, every.usable[-rows:], err_msg=f"usable, end {end}")
            np.testing.assert_array_equal(last.values, every.values[-rows:], err_msg=f"values, end {end}")
            np.testing.assert_array_equal(last.window_ends(part.open_time_ms[-rows:], min(rows, 20))[-1:],
                                          every.window_ends(part.open_time_ms, min(rows, 20))[-1:])
            compared += int(np.isfinite(last.values).sum())
    assert compared > 500_000


def scored_as_before(models: list[ServedModel], window: CandleWindow, lookback: int) -> tuple[int, float]:
    """The path ``predict`` took before: every candle's features by the pandas calculator, the last bar scored."""
    pair = window.pair.symbol
    candles = Ohlcv(*(getattr(window, c)[-lookback:] for c in COLUMNS))
    p_up = {}
    for model in models:
        inputs = model.inputs.inputs(pair, candles)
        score = np.full(1, np.nan)
        if inputs.window_ends(candles.open_time_ms, model.card.window)[-1]:
            score[:] = model.calibrated(forward(model.network, inputs.values, np.array([len(candles) - 1]),
                                                model.card.window, model.card.pairs.index(pair)))
        p_up[model.card.kind.value] = score
    direction, confidence = ensemble_many(p_up, SETTINGS)
    return int(direction[0]), float(confidence[0])


def test_predictions_are_those_of_the_previous_path(manifest: dict[str, Any]) -> None:
    models = [served(ModelKind.LSTM, ("BTCUSDT",), manifest, seed=0, calibration=PLATT),
              served(ModelKind.TRANSFORMER, ("BTCUSDT", "ETHUSDT"), manifest, seed=1)]
    predictor = TorchEnsemblePredictor(models, SETTINGS)
    series, predicted, refused = awkward_series(), 0, 0
    for end in range(1, len(series) + 1, 5):
        keep = slice(max(0, end - predictor.lookback - 3), end)  # a little more than it reads
        window = CandleWindow(BTC, *(getattr(series, c)[keep] for c in COLUMNS))
        direction, probability = scored_as_before(models, window, predictor.lookback)
        prediction = predictor.predict(window)
        if prediction is None:
            assert direction == 0, end
            refused += 1
            continue
        predicted += 1
        assert prediction.direction is (Direction.LONG if direction > 0 else Direction.SHORT), end
        assert prediction.probability == probability, end
    print(f"{predicted} predictions equal, {refused} refusals equal")
    assert predicted > 300 and refused > 20


def test_the_runtime_scores_on_one_thread() -> None:
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        use_serving_threads()
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
