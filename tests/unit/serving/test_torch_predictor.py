"""The torch predictor on synthetic candles with seeded untrained networks (tests/unit/serving/
builders.py): one window and the whole series agree, a window it cannot read gives no prediction,
the calibration, the ensemble weights and the bias act, and what is not served is said."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from adapters.torch.serving import ServedModel, TorchEnsemblePredictor
from domain.market.candles import CandleWindow, Pair
from domain.market.quality import Ohlcv
from domain.models.cards import ModelKind
from domain.signals.confidence import EnsembleSettings
from tests.fakes.candles import drop_minutes, with_value
from tests.unit.serving.builders import BTC, COLUMNS, ETH, candles, feature_set, served

PAIRS = ("BTCUSDT", "ETHUSDT")
NO_BIAS = EnsembleSettings(bias_pp=0.0)


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return feature_set(tmp_path_factory.mktemp("features"))


@pytest.fixture(scope="module")
def lstm(manifest: dict[str, Any]) -> ServedModel:
    return served(ModelKind.LSTM, ("BTCUSDT",), manifest, seed=0)


@pytest.fixture(scope="module")
def transformer(manifest: dict[str, Any]) -> ServedModel:
    return served(ModelKind.TRANSFORMER, PAIRS, manifest, seed=1)


def window(pair: Pair, series: Ohlcv, end: int, size: int) -> CandleWindow:
    keep = slice(max(0, end + 1 - size), end + 1)
    return CandleWindow(pair, *(getattr(series, c)[keep] for c in COLUMNS))


def p_up(predictor: TorchEnsemblePredictor, pair: Pair, series: Ohlcv) -> np.ndarray:
    """P(up) per bar of a predictor serving one model without bias (NaN: none)."""
    bulk = predictor.predict_many(pair, series)
    return np.where(bulk.direction > 0, bulk.probability, 1 - bulk.probability)


@pytest.mark.parametrize("pair", [BTC, ETH])
def test_one_window_and_the_whole_series_agree_bar_by_bar(lstm: ServedModel, transformer: ServedModel,
                                                          pair: Pair) -> None:
    predictor = TorchEnsemblePredictor([lstm, transformer], EnsembleSettings())
    series = candles()[pair]
    bulk = predictor.predict_many(pair, series)
    checked, largest = 0, 0.0
    for end in range(0, len(series), 11):
        single = predictor.predict(window(pair, series, end, predictor.lookback))
        if single is None:
            assert bulk.direction[end] == 0, end
            continue
        checked += 1
        assert single.direction.sign == bulk.direction[end], end
        largest = max(largest, abs(single.probability - bulk.probability[end]))
    print(f"{pair}: {checked} bars agree, largest probability difference {largest:.3g}")
    assert checked > 150 and largest < 1e-6, (checked, largest)


def test_a_gap_a_non_finite_value_or_too_few_candles_give_no_prediction(lstm: ServedModel,
                                                                         transformer: ServedModel) -> None:
    predictor = TorchEnsemblePredictor([lstm, transformer], EnsembleSettings())
    series, end = candles()[BTC], 2000
    assert predictor.predict(window(BTC, series, end, predictor.lookback)) is not None
    holed = drop_minutes(series, end - 5)  # one minute missing inside both models' windows
    assert predictor.predict(window(BTC, holed, end - 1, predictor.lookback)) is None
    assert not predictor.predict_many(BTC, holed).direction[end - 5:end].any()
    broken = with_value(series, "close", end - 3, float("nan"))
    assert predictor.predict(window(BTC, broken, end, predictor.lookback)) is None
    # the warm-up and the LSTM's window need 60 + 20 bars: one fewer is no prediction
    assert predictor.predict(window(BTC, series, end, 60 + 20 - 1)) is None
    assert predictor.predict(window(BTC, series, end, 60 + 20)) is not None


def test_the_ensemble_weights_and_the_bias_act(lstm: ServedModel, transformer: ServedModel) -> None:
    series = candles()[BTC]
    alone_lstm = p_up(TorchEnsemblePredictor([lstm], NO_BIAS), BTC, series)
    alone_transformer = p_up(TorchEnsemblePredictor([transformer], NO_BIAS), BTC, series)
    settings = EnsembleSettings(without_rl={"lstm": 0.3, "transformer": 0.7}, bias_pp=5.0)
    both = TorchEnsemblePredictor([lstm, transformer], settings).predict_many(BTC, series)
    weighted = 0.3 * alone_lstm + 0.7 * alone_transformer
    known = np.isfinite(weighted)
    assert known.sum() > 2000
    np.testing.assert_array_equal(both.direction[known], np.where(weighted[known] >= 0.5, 1, -1))
    expected = np.clip(np.maximum(weighted, 1 - weighted) - 0.05, 0, 1)
    np.testing.assert_allclose(both.probability[known], expected[known], atol=1e-12)
    halves = TorchEnsemblePredictor([lstm, transformer], EnsembleSettings()).predict_many(BTC, series)
    assert np.abs(halves.probability[known] - both.probability[known]).max() > 1e-3  # the weights matter


def test_calibration_acts_when_the_card_says_it_was_applied(manifest: dict[str, Any]) -> None:
    series = candles()[BTC]
    platt: dict[str, Any] = {"method": "platt", "params": {"a": 3.0, "b": 0.2}}
    raw = p_up(TorchEnsemblePredictor([served(ModelKind.LSTM, ("BTCUSDT",), manifest)], NO_BIAS), BTC, series)
    off = served(ModelKind.LSTM, ("BTCUSDT",), manifest, calibration={**platt, "applied": False})
    on = served(ModelKind.LSTM, ("BTCUSDT",), manifest, calibration={**platt, "applied": True})
    np.testing.assert_array_equal(p_up(TorchEnsemblePredictor([off], NO_BIAS), BTC, series), raw)
    logit = np.log(raw / (1 - raw))
    np.testing.assert_allclose(p_up(TorchEnsemblePredictor([on], NO_BIAS), BTC, series),
                               1 / (1 + np.exp(-(3.0 * logit + 0.2))), rtol=1e-9)
    isotonic = {"method": "isotonic", "applied": True, "params": {"x": [0.0, 1.0], "y": [0.5, 0.5]}}
    flat = served(ModelKind.LSTM, ("BTCUSDT",), manifest, calibration=isotonic)
    mapped = p_up(TorchEnsemblePredictor([flat], NO_BIAS), BTC, series)
    assert set(np.unique(mapped[np.isfinite(mapped)])) == {0.5}


def test_what_is_not_served_is_said_once_at_construction(lstm: ServedModel, transformer: ServedModel,
                                                        manifest: dict[str, Any]) -> None:
    notes: list[str] = []
    predictor = TorchEnsemblePredictor([lstm], EnsembleSettings(), notes.append, pairs=(*PAIRS, "BNBUSDT"))
    assert notes == ["BTCUSDT: ensemble of lstm only (transformer not served); weights renormalised",
                     "ETHUSDT: no served model covers it: no prediction",
                     "BNBUSDT: no served model covers it: no prediction"]
    eth = candles()[ETH]
    assert predictor.predict(window(ETH, eth, 2000, predictor.lookback)) is None
    assert not predictor.predict_many(ETH, eth).direction.any()
    notes.clear()
    lstm_only = EnsembleSettings(without_rl={"lstm": 1.0})
    btc_transformer = served(ModelKind.TRANSFORMER, ("BTCUSDT",), manifest, seed=1)
    weighted = TorchEnsemblePredictor([lstm, btc_transformer], lstm_only, notes.append)
    assert notes == ["BTCUSDT: transformer served but without an ensemble weight: left out of the ensemble"]
    series = candles()[BTC]
    np.testing.assert_array_equal(weighted.predict_many(BTC, series).probability,
                                  TorchEnsemblePredictor([lstm], lstm_only).predict_many(BTC, series).probability)
    with pytest.raises(ValueError, match="ETHUSDT: no served model \\(transformer\\) has a positive ensemble weight"):
        TorchEnsemblePredictor([lstm, transformer], lstm_only)


def test_the_version_names_the_served_tags_and_the_horizon_comes_from_the_cards(lstm: ServedModel,
                                                                                transformer: ServedModel) -> None:
    predictor = TorchEnsemblePredictor([transformer, lstm], EnsembleSettings())
    assert predictor.version == "torch:lstm_btc=v1.0.0,transformer=v1.0.1"
    prediction = predictor.predict(window(BTC, candles()[BTC], 2000, predictor.lookback))
    assert prediction is not None
    assert (prediction.model, prediction.horizon_minutes) == (predictor.version, lstm.card.horizon_minutes)


def test_the_feature_inputs_are_the_stored_rows(tmp_path: Path, manifest: dict[str, Any]) -> None:
    from adapters.features import ParquetFeatureStore

    feature_set(tmp_path)
    stored = next(t for t in ParquetFeatureStore(tmp_path).load("fs") if t.pair == BTC)
    series = candles()[BTC]
    inputs = served(ModelKind.LSTM, ("BTCUSDT",), manifest).inputs.inputs("BTCUSDT", series)
    rows = np.searchsorted(series.open_time_ms, stored.open_time_ms)
    assert inputs.usable[rows].all()
    expected = np.column_stack([np.asarray(stored.features[n], dtype=np.float32) for n in manifest["features"]])
    np.testing.assert_array_equal(inputs.values[rows], expected)
