"""The training use case with the torch adapter on a hand-made set: it trains, repeats itself bit
for bit, never lets the test period choose, and never leaves half a model behind."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import pytest
import torch

from adapters.torch import CsvRunLog, ModelFileError, TorchModelFiles, TorchTrainer, load_model
from application.features.ports import PairFeatures
from application.models.training.cards import draft_card
from application.models.training.periods import TrainingInputError, plan_split
from application.models.training.ports import EpochRecord, SilentObserver, TrainingPlan
from application.models.training.samples import build_matrix, period_samples
from application.models.training.train import TrainModel, TrainReport, TrainRequest
from domain.models.cards import TEST, VALIDATION, ModelKind, accuracy_key
from tests.unit.training.builders import FEATURES, SPLIT, pair_rows, store_with

NOW = datetime(2026, 1, 1, tzinfo=UTC)
LSTM = {"epochs": 4, "hidden": 8, "layers": 1, "dropout": 0.0, "batch": 128, "lr": 3e-3, "weight_decay": 0.0,
        "patience": 2}


def request(**changes: Any) -> TrainRequest:
    base = TrainRequest(ModelKind.LSTM, ("BTCUSDT",), LSTM, window=10, seed=3, device="cpu", split=SPLIT,
                        max_samples=1500)
    return attrs.evolve(base, **changes)


def train(out: Path, *tables: PairFeatures, observer: Any = None, **changes: Any) -> TrainReport:
    store = store_with(*(tables or (pair_rows(),)))
    use_case = TrainModel(store, TorchTrainer(threads=1), TorchModelFiles(out), CsvRunLog(out / "runs.csv"))
    return use_case(request(**changes), NOW, observer or SilentObserver())


def test_a_tiny_lstm_trains_writes_its_card_and_logs_the_run(tmp_path: Path) -> None:
    report = train(tmp_path)
    card = report.card
    assert Path(report.location).exists() and Path(report.location).with_suffix(".json").exists()
    assert card.name.startswith("lstm_btc_") and card.name.endswith("_epochs4_hidden8")
    assert 1 <= report.best_epoch <= len(report.history) <= 4
    validation, test = card.metrics[VALIDATION], card.metrics[TEST]
    # the labels follow sign(ret_15) 65 % of the time: the model finds some of it, out of sample
    assert validation[accuracy_key("BTCUSDT")] > 0.55 and test[accuracy_key("BTCUSDT")] > 0.55
    assert {"majority_accuracy_BTCUSDT", "momentum_accuracy_BTCUSDT", "wilson_low_BTCUSDT", "brier"} <= set(test)
    assert card.calibration is not None and card.calibration["fitted_on"] == "validation"
    assert card.leakage_passed is None and "not run" in report.leakage.how
    saved = json.loads(Path(report.location).with_suffix(".json").read_text())
    assert saved["weights_sha256"] == card.weights_sha256 != ""
    lines = (tmp_path / "runs.csv").read_text().splitlines()
    assert len(lines) == 2 and card.name in lines[1]


def test_the_same_seed_gives_bit_identical_weights(tmp_path: Path) -> None:
    first = train(tmp_path / "a")
    second = train(tmp_path / "b")
    other = train(tmp_path / "c", seed=4)
    assert first.card.weights_sha256 == second.card.weights_sha256 != other.card.weights_sha256
    assert Path(first.location).read_bytes() == Path(second.location).read_bytes()
    assert first.card.metrics[VALIDATION] == second.card.metrics[VALIDATION]


def test_the_test_period_never_influences_training_or_choices(tmp_path: Path) -> None:
    table = pair_rows()
    flipped = pair_rows()
    matrix = build_matrix([flipped], FEATURES, 10)
    test_period = plan_split(SPLIT, {"BTCUSDT": flipped.open_time_ms}, timedelta(minutes=15)).period(TEST)
    rows = period_samples(matrix, test_period).rows
    flipped.labels["label_direction"][rows] *= -1  # every test label reversed
    flipped.labels["label_efficiency"][rows] *= -1
    honest, perturbed = train(tmp_path / "a", table), train(tmp_path / "b", flipped)
    assert honest.best_epoch == perturbed.best_epoch
    assert [r.validation_loss for r in honest.history] == [r.validation_loss for r in perturbed.history]
    assert honest.card.weights_sha256 == perturbed.card.weights_sha256
    assert honest.card.calibration == perturbed.card.calibration
    assert honest.card.metrics[VALIDATION] == perturbed.card.metrics[VALIDATION]
    key = accuracy_key("BTCUSDT")
    assert perturbed.card.metrics[TEST][key] == pytest.approx(1 - honest.card.metrics[TEST][key], abs=0.01)


def test_a_saved_model_loads_and_predicts_the_same(tmp_path: Path) -> None:
    table = pair_rows()
    matrix = build_matrix([table], FEATURES, 10)
    planned = plan_split(SPLIT, {"BTCUSDT": table.open_time_ms}, timedelta(minutes=15))
    train_set, validation, test = (period_samples(matrix, planned.period(n), max_samples=1500)
                                   for n in ("train", VALIDATION, TEST))
    params = {**LSTM, "window": 10, "n_features": len(FEATURES), "n_pairs": 1}
    model = TorchTrainer(threads=1).fit(TrainingPlan(ModelKind.LSTM, params, 3), matrix, train_set, validation,
                                        SilentObserver())
    store = store_with(table)
    card = draft_card(ModelKind.LSTM, ("BTCUSDT",), store.manifest("fs"), "fs", 10, params, 3, planned.split,
                      "test", NOW)
    written = TorchModelFiles(tmp_path).save(card, model)
    loaded_card, loaded = load_model(tmp_path / f"{card.name}.json")
    assert loaded_card == written and loaded_card.weights_sha256
    expected = model.predict(matrix, test).p_up
    np.testing.assert_array_equal(loaded.predict(matrix, test).p_up, expected)
    assert not np.allclose(expected, expected[0])  # the predictions say something per sample


def test_weights_that_do_not_match_their_card_are_refused(tmp_path: Path) -> None:
    report = train(tmp_path)
    weights = Path(report.location)
    state = torch.load(weights, weights_only=True)
    state[next(iter(state))] += 1.0
    torch.save(state, weights)
    with pytest.raises(ModelFileError, match="sha256"):
        load_model(weights.with_suffix(".json"))


class InterruptAt(SilentObserver):
    def __init__(self, batch: int) -> None:
        self.batch = batch

    def batch_done(self, batch: int, loss: float) -> None:
        if batch == self.batch:
            raise KeyboardInterrupt


def test_ctrl_c_while_training_leaves_no_file(tmp_path: Path) -> None:
    with pytest.raises(KeyboardInterrupt):
        train(tmp_path / "models", observer=InterruptAt(3))
    assert not (tmp_path / "models").exists() or list((tmp_path / "models").iterdir()) == []


def test_a_card_that_cannot_be_written_takes_its_weights_with_it(tmp_path: Path) -> None:
    name = train(tmp_path / "probe").card.name
    out = tmp_path / "models"
    (out / f"{name}.json").mkdir(parents=True)  # the card's path is taken: its write fails
    with pytest.raises(OSError):
        train(out)
    assert sorted(p.name for p in out.iterdir()) == [f"{name}.json"]


def test_bad_inputs_name_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(TrainingInputError, match="ETHUSDT not in feature set fs"):
        train(tmp_path, pairs=("ETHUSDT",))
    with pytest.raises(TrainingInputError, match=r"normalized on rows up to .* inside the validation period"):
        store = store_with(pair_rows(), fit_days=5)
        TrainModel(store, TorchTrainer(), TorchModelFiles(tmp_path), CsvRunLog(tmp_path / "r.csv"))(
            request(), NOW, SilentObserver())
    with pytest.raises(TrainingInputError, match=r"no samples .* validation \(2021-01-05 00:00 -> 2021-01-05 23:45\)"):
        train(tmp_path, window=3000)
    assert not list(tmp_path.glob("*.pt"))


def test_epoch_records_reach_the_observer(tmp_path: Path) -> None:
    seen: list[EpochRecord] = []

    class Recorder(SilentObserver):
        def epoch_done(self, record: EpochRecord) -> None:
            seen.append(record)

    report = train(tmp_path, observer=Recorder())
    assert seen == list(report.history) and seen[0].epoch == 1
    assert sum(r.improved for r in seen) >= 1 and seen[report.best_epoch - 1].improved


def test_the_newest_set_is_the_one_built_last(tmp_path: Path) -> None:
    from application.models.training.train import newest_set
    from tests.unit.features.fake_store import InMemoryFeatureStore
    from tests.unit.training.builders import manifest

    store = InMemoryFeatureStore()
    with pytest.raises(TrainingInputError, match="no feature set found"):
        newest_set(store)
    table = pair_rows()
    for name, built in (("features_2026-01-02.10", "2026-01-02T09:00"), ("features_2026-01-02.9", "2026-01-02T08:00")):
        store.write(name, [table], {**manifest([table], name), "built_at": built})
    assert newest_set(store) == "features_2026-01-02.10"  # by build time, not by the name's sorting
