"""The torch predictor serves trained models on real candles: the runtime's one window and the
backtest's whole series agree bar by bar, a gap gives no prediction, and a model is refused when
its weights or its feature set are not the ones it was registered and trained with."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from adapters.features import PandasFeatureCalculator, ParquetFeatureStore
from adapters.parquet import ParquetCandleStore
from adapters.registry import JsonRegistryStore
from adapters.torch.serving import TorchEnsemblePredictor
from application.models.serving import FeatureInputs, FeatureSetMismatch, check_feature_set
from domain.market.candles import CandleWindow, Pair
from domain.market.quality import Ohlcv
from domain.signals.confidence import EnsembleSettings
from entrypoints.cli import cli
from entrypoints.model_serving import ServingError, load_served, torch_predictor
from tests.integration.training.conftest import SET
from tests.integration.training.test_cli_train import train

pytestmark = pytest.mark.shared_data
BTC = Pair("BTCUSDT")
COLUMNS = ("open_time_ms", "open", "high", "low", "close", "volume")


@pytest.fixture(scope="module")
def models(real_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny LSTM (BTC) and a tiny transformer (BTC+ETH), registered as v1.0.0 and v1.0.1."""
    folder = tmp_path_factory.mktemp("served")
    for args in (("lstm", "--pair", "BTCUSDT"), ("transformer", "--pairs", "BTCUSDT,ETHUSDT", "--window", "16",
                                                 "--layers", "1")):
        result = train(real_data_dir, folder, *args, "--leakage-samples", "0", "--json")
        assert result.exit_code == 0, result.output
        registered = CliRunner().invoke(cli, ["model", "register", json.loads(result.stdout)["location"]],
                                        env={"MODEL_DIR": str(folder)})
        assert registered.exit_code == 0, registered.output
    return folder


def predictor(models: Path, data_dir: Path, tags: tuple[str, ...], notes: list[str] | None = None
              ) -> TorchEnsemblePredictor:
    return torch_predictor(JsonRegistryStore(models).load(), models, tags, ParquetFeatureStore(data_dir / "features"),
                           PandasFeatureCalculator(), EnsembleSettings(),
                           (notes if notes is not None else []).append)


def window(candles: Ohlcv, end: int, size: int) -> CandleWindow:
    keep = slice(max(0, end + 1 - size), end + 1)
    return CandleWindow(BTC, *(getattr(candles, c)[keep] for c in COLUMNS))


def test_one_window_and_the_whole_series_agree_bar_by_bar(models: Path, real_data_dir: Path) -> None:
    served = predictor(models, real_data_dir, ("v1.0.0", "v1.0.1"))
    assert served.version == "torch:lstm_btc=v1.0.0,transformer=v1.0.1"
    candles = ParquetCandleStore.in_data_dir(real_data_dir).load(BTC)
    bulk = served.predict_many(BTC, candles)
    # the ensemble needs both models: the LSTM's 60-bar window after the 60-bar warm-up, 8 gap-free days
    assert np.flatnonzero(bulk.direction)[0] == 60 + 60 - 1 and (bulk.direction == 0).sum() == 119
    checked, largest = 0, 0.0
    for end in range(0, len(candles), 37):
        single = served.predict(window(candles, end, served.lookback))
        if single is None:
            assert bulk.direction[end] == 0 and np.isnan(bulk.probability[end]), end
            continue
        checked += 1
        assert single.direction.sign == bulk.direction[end], end
        largest = max(largest, abs(single.probability - bulk.probability[end]))
        assert single.model == served.version and single.horizon_minutes == 15
    print(f"agreement: {checked} bars, largest probability difference {largest:.3g}")
    assert checked > 250 and largest < 1e-6, (checked, largest)


def test_a_gap_in_the_window_gives_no_prediction(models: Path, real_data_dir: Path) -> None:
    served = predictor(models, real_data_dir, ("v1.0.0", "v1.0.1"))
    candles = ParquetCandleStore.in_data_dir(real_data_dir).load(BTC)
    end = 5_000
    assert served.predict(window(candles, end, served.lookback)) is not None
    keep = np.ones(len(candles), dtype=bool)
    keep[end - 10:end - 7] = False  # three minutes missing inside both models' windows
    holed = candles.take(keep)
    assert served.predict(window(holed, end - 3, served.lookback)) is None
    bulk = served.predict_many(BTC, holed)
    assert not bulk.direction[end - 10:end - 3].any()


def test_a_kind_not_served_is_said_and_a_pair_no_model_covers_gets_nothing(models: Path, real_data_dir: Path) -> None:
    notes: list[str] = []
    served = predictor(models, real_data_dir, ("v1.0.0",), notes)
    assert notes == ["BTCUSDT: ensemble of lstm only (transformer not served); weights renormalised"]
    candles = ParquetCandleStore.in_data_dir(real_data_dir).load(Pair("ETHUSDT"))
    assert served.predict(CandleWindow(Pair("ETHUSDT"), *(getattr(candles, c)[-2000:] for c in COLUMNS))) is None


def test_weights_other_than_the_registered_ones_are_refused(models: Path, real_data_dir: Path) -> None:
    entry = JsonRegistryStore(models).load().entry("v1.0.0")
    store = ParquetFeatureStore(real_data_dir / "features")
    with pytest.raises(ServingError, match=r"v1\.0\.0: .*\.pt: sha256 .* registered as v1\.0\.0: the file changed"):
        load_served(attrs.evolve(entry, sha256="0" * 64), models, store, PandasFeatureCalculator(), {})
    with pytest.raises(ServingError, match=r"no model is registered as v9\.9\.9"):
        predictor(models, real_data_dir, ("v9.9.9",))


def _card(models: Path, tag: str) -> Any:
    from adapters.torch import load_model

    entry = JsonRegistryStore(models).load().entry(tag)
    return load_model(models / entry.card_file)[0]


def test_a_feature_set_other_than_the_trained_one_is_refused_saying_what_differs(models: Path,
                                                                              real_data_dir: Path) -> None:
    card = _card(models, "v1.0.0")
    manifest = ParquetFeatureStore(real_data_dir / "features").manifest(SET)
    check_feature_set(card, SET, manifest)  # the set it was trained on
    refitted = json.loads(json.dumps(manifest))
    refitted["pairs"]["BTCUSDT"]["normalizer"]["ret_1"]["std"] *= 1.01
    with pytest.raises(FeatureSetMismatch, match=r"normalizer hash .* is not the card's"):
        check_feature_set(card, "rebuilt", refitted)
    fewer = {**manifest, "features": [f for f in manifest["features"] if f != "natr_14"]}
    with pytest.raises(FeatureSetMismatch, match=r"missing \['natr_14'\], extra \[\]"):
        check_feature_set(card, "rebuilt", fewer)
    with pytest.raises(FeatureSetMismatch, match="label horizon 30 min is not the card's 15 min"):
        check_feature_set(card, "rebuilt", {**manifest, "label_spec": {"horizon": 30}})


def test_calibration_acts_only_when_the_card_says_it_was_applied(models: Path, real_data_dir: Path) -> None:
    served = predictor(models, real_data_dir, ("v1.0.0",))
    (model,) = served.models
    p = np.array([0.2, 0.5, 0.7])
    off = attrs.evolve(model, card=attrs.evolve(model.card, calibration={"method": "platt", "applied": False,
                                                                          "params": {"a": 2.0, "b": 0.1}}))
    on = attrs.evolve(off, card=attrs.evolve(off.card, calibration={**off.card.calibration, "applied": True}))
    np.testing.assert_array_equal(off.calibrated(p), p)
    logit = np.log(p / (1 - p))
    np.testing.assert_allclose(on.calibrated(p), 1 / (1 + np.exp(-(2.0 * logit + 0.1))))


def test_feature_inputs_match_the_stored_feature_set(real_data_dir: Path) -> None:
    """Computed at serving time from candles, the rows equal the stored (training) rows."""
    store = ParquetFeatureStore(real_data_dir / "features")
    manifest = store.manifest(SET)
    stored = next(t for t in store.load(SET) if t.pair.symbol == "BTCUSDT")
    candles = ParquetCandleStore.in_data_dir(real_data_dir).load(BTC)
    inputs = FeatureInputs(SET, manifest, PandasFeatureCalculator()).inputs("BTCUSDT", candles)
    rows = np.searchsorted(candles.open_time_ms, stored.open_time_ms)
    assert inputs.usable[rows].all()
    expected = np.column_stack([np.asarray(stored.features[n], dtype=np.float32) for n in manifest["features"]])
    np.testing.assert_array_equal(inputs.values[rows], expected)


def test_the_backtest_runs_registered_tags_and_refuses_an_unknown_one(models: Path, real_data_dir: Path,
                                                                     tmp_path: Path) -> None:
    files = tmp_path / "candles"
    files.mkdir()
    for pair in ("BTCUSDT", "ETHUSDT"):  # the fixture's eight days, as the candle files a backtest reads
        candles = ParquetCandleStore.in_data_dir(real_data_dir).load(Pair(pair))
        pd.DataFrame({"open_time": candles.open_time_ms, **{c: getattr(candles, c) for c in COLUMNS[1:]}}).to_csv(
            files / f"{pair}.csv", index=False)
    env = {"MODEL_DIR": str(models), "DATA_DIR": str(real_data_dir), "REPLAY_PATHS": str(files)}
    args = ["backtest", "--pairs", "BTCUSDT,ETHUSDT", "--start", "2020-05-28", "--end", "2020-05-29",
            "--out", str(tmp_path / "run"), "--json", "--predictor"]
    result = CliRunner().invoke(cli, [*args, "v1.0.0,v1.0.1"], env=env)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["run"]["predictor"] == "torch:lstm_btc=v1.0.0,transformer=v1.0.1"
    assert summary["scans"] > 0
    unknown = CliRunner().invoke(cli, [*args, "v9.9.9"], env=env)
    assert unknown.exit_code == 2 and "--predictor: no model is registered as v9.9.9" in unknown.output
    assert CliRunner().invoke(cli, [*args, "oracle"], env=env).exit_code == 2


def test_the_monitor_scores_stored_rows_as_training_measured_them(models: Path, real_data_dir: Path) -> None:
    from adapters.torch import load_model
    from adapters.torch.serving import TorchFeatureScorer
    from application.models.training.samples import build_matrix, period_samples
    from domain.features.splits import Period
    from entrypoints.model_monitor import default_scorer_for

    entry = JsonRegistryStore(models).load().entry("v1.0.0")
    card, model = load_model(models / entry.card_file)
    scorer = default_scorer_for(models / entry.card_file, card)
    assert isinstance(scorer, TorchFeatureScorer)
    table = next(t for t in ParquetFeatureStore(real_data_dir / "features").load(SET) if t.pair.symbol == "BTCUSDT")
    scores = scorer.up_probability(card, table)
    matrix = build_matrix([table], card.features, card.window)
    samples = period_samples(matrix, Period("test", *(datetime.fromisoformat(b) for b in card.split["test"])))
    expected = model.predict(matrix, samples).p_up
    if card.calibration and card.calibration["applied"]:
        expected = model_calibrated(card, expected)
    np.testing.assert_array_equal(scores[samples.rows], expected)
    assert np.isnan(scores[: card.window - 1]).all()  # no full window yet


def model_calibrated(card: Any, p: np.ndarray) -> np.ndarray:
    from adapters.torch.serving import as_card_calibrates

    return as_card_calibrates(card, p)
