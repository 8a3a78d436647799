"""Synthetic rows are tagged (synthetic=True and the generator's version) through the feature
store and the ablation's training; they only ever enter the training split, at the share asked
for, and never validation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import attrs
import numpy as np
import pytest

from adapters.features import PandasFeatureCalculator, ParquetFeatureStore
from application.features.compute import FeaturePipeline
from application.features.ports import FeatureStore
from application.models.training.periods import SplitOptions
from application.models.training.ports import (
    EpochRecord,
    ModelOutput,
    SilentObserver,
    TrainedModel,
    TrainingObserver,
    TrainingPlan,
)
from application.models.training.samples import FeatureMatrix, SampleSet
from application.research.ablation import AblationRequest, RunAblation
from application.research.gan_data import GanInputError
from application.research.gan_report import ReportGan
from application.research.gan_sample import SampleRequest, SampleSynthetic
from domain.market.candles import ms_to_datetime
from domain.research.synthetic import SyntheticShareError
from tests.fakes.candles import T0, InMemoryCandleStore
from tests.unit.features.fake_store import InMemoryFeatureStore
from tests.unit.research.gan_builders import (
    NOW,
    TRAIN_END_MS,
    MemoryGeneratorFiles,
    NoiseGenerator,
    build_real_set,
    candle_store,
    card,
)


@pytest.fixture(params=["parquet", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> FeatureStore:
    return ParquetFeatureStore(tmp_path / "features") if request.param == "parquet" else InMemoryFeatureStore()


@pytest.fixture(scope="module")
def candles() -> InMemoryCandleStore:
    return candle_store()


def sample(candles: InMemoryCandleStore, store: FeatureStore, paths: int = 40, name: str = "synthetic") -> None:
    files = MemoryGeneratorFiles()
    files.save(card(), NoiseGenerator())
    use_case = SampleSynthetic(candles, files, store, FeaturePipeline(PandasFeatureCalculator()))
    use_case(SampleRequest("gan-test", "real", name, paths=paths, length=150, seed=3), NOW)


def test_every_stored_synthetic_row_carries_its_tag_and_the_real_set_none(store: FeatureStore,
                                                                           candles: InMemoryCandleStore) -> None:
    build_real_set(candles, store)
    sample(candles, store)
    (synthetic,) = store.load("synthetic")
    assert len(synthetic) > 1000
    assert synthetic.tags["synthetic"].dtype == bool and synthetic.tags["synthetic"].all()
    assert {str(v) for v in synthetic.tags["generator_version"]} == {"gan-test"}
    manifest = store.manifest("synthetic")
    assert manifest["synthetic"]["generator_version"] == "gan-test" and manifest["tags"] == ["synthetic",
                                                                                             "generator_version"]
    # normalized exactly as the real rows: the real set's fitted normalizer, not one of its own
    assert manifest["pairs"]["BTCUSDT"]["normalizer"] == store.manifest("real")["pairs"]["BTCUSDT"]["normalizer"]
    assert store.load("real")[0].tags == {}


def test_sampling_never_replaces_the_real_set_or_samples_from_a_synthetic_one(store: FeatureStore,
                                                                              candles: InMemoryCandleStore) -> None:
    build_real_set(candles, store)
    with pytest.raises(GanInputError, match="would replace the real feature set"):
        sample(candles, store, name="real")
    sample(candles, store)
    files = MemoryGeneratorFiles()
    files.save(card(), NoiseGenerator())
    use_case = SampleSynthetic(candles, files, store, FeaturePipeline(PandasFeatureCalculator()))
    with pytest.raises(GanInputError, match="itself synthetic"):
        use_case(SampleRequest("gan-test", "synthetic", "again"), NOW)


@attrs.define
class RecordingTrainer:
    """A ModelTrainer that records what it was handed and predicts 0.5."""

    calls: list[tuple[TrainingPlan, FeatureMatrix, SampleSet, SampleSet]] = attrs.Factory(list)

    def fit(self, plan: TrainingPlan, matrix: FeatureMatrix, train: SampleSet, validation: SampleSet,
            observer: TrainingObserver) -> TrainedModel:
        self.calls.append((plan, matrix, train, validation))
        return _Half()


class _Half:
    history: Sequence[EpochRecord] = ()
    best_epoch = 1
    device = "cpu"

    def predict(self, matrix: FeatureMatrix, samples: SampleSet) -> ModelOutput:
        return ModelOutput(np.full(len(samples), 0.5))


def request(shares: tuple[float, ...] = (0.0, 0.10, 0.20), synthetic: str = "synthetic",
            cap: float = 0.20) -> AblationRequest:
    split = SplitOptions(train_end=ms_to_datetime(TRAIN_END_MS), validation_end=ms_to_datetime(T0 + 4000 * 60_000),
                         no_test=True)
    return AblationRequest("real", synthetic, "BTCUSDT", split, shares, (0, 1), window=10, max_samples=None,
                           max_share=cap)


def test_the_ablation_adds_synthetic_rows_to_training_only_at_the_share_asked(
        candles: InMemoryCandleStore) -> None:
    store = InMemoryFeatureStore()
    build_real_set(candles, store)
    sample(candles, store, paths=60)
    n_real = len(store.load("real")[0])
    trainer = RecordingTrainer()
    report = RunAblation(store, trainer)(request(), SilentObserver())
    assert len(trainer.calls) == 6
    validations = {tuple(v.rows) for _, _, _, v in trainer.calls}
    assert len(validations) == 1  # every arm is measured on the same validation rows
    real_rows = {len(t.rows) for p, _, t, _ in trainer.calls if p.params["synthetic_share"] == 0.0}
    assert len(real_rows) == 1
    for plan, matrix, train, validation in trainer.calls:
        # the real rows come first in the matrix, the tagged synthetic ones after them
        assert not (validation.rows >= n_real).any()
        in_train = int((train.rows >= n_real).sum())
        share = plan.params["synthetic_share"]
        assert in_train == plan.params["synthetic_rows"]
        assert in_train / len(train.rows) <= share + 1e-12
        assert in_train / len(train.rows) >= share - 0.01
        assert plan.params["generator_version"] == "gan-test"
        assert len(np.unique(matrix.pair_index)) == 1  # nothing tells a model which rows are synthetic
    assert {r.share for r in report.runs} == {0.0, 0.10, 0.20}
    assert report.generator_version == "gan-test"


def test_shares_above_the_cap_and_a_cap_above_twenty_percent_are_refused_before_anything_is_read() -> None:
    with pytest.raises(SyntheticShareError, match=r"synthetic_share 0.25 must be within \[0, max_synthetic_share"):
        request(shares=(0.0, 0.25))
    with pytest.raises(SyntheticShareError, match=r"synthetic_share 0.2 must be within \[0, max_synthetic_share = 0.1"):
        request(cap=0.10)  # the default cap: a 20 % arm must raise it
    with pytest.raises(SyntheticShareError, match=r"max_synthetic_share must be within \[0, 0.20\]"):
        request(shares=(0.0, 0.25), cap=0.25)


def test_an_untagged_set_is_refused_as_synthetic_data(candles: InMemoryCandleStore) -> None:
    store = InMemoryFeatureStore()
    build_real_set(candles, store)
    (real,) = store.load("real")
    store.write("untagged", [real], store.manifest("real"))
    with pytest.raises(GanInputError, match="carries no synthetic/generator_version tags"):
        RunAblation(store, RecordingTrainer())(request(synthetic="untagged"), SilentObserver())


def test_synthetic_rows_mixed_into_the_real_set_are_refused(candles: InMemoryCandleStore) -> None:
    store = InMemoryFeatureStore()
    build_real_set(candles, store)
    sample(candles, store)
    (synthetic,) = store.load("synthetic")
    store.write("real", [synthetic], store.manifest("synthetic"))
    with pytest.raises(GanInputError, match="real feature set holds synthetic rows"):
        RunAblation(store, RecordingTrainer())(request(), SilentObserver())


def test_the_report_refuses_a_generator_that_read_validation_candles(candles: InMemoryCandleStore) -> None:
    store = InMemoryFeatureStore()
    build_real_set(candles, store)
    files = MemoryGeneratorFiles()
    files.save(card(), NoiseGenerator())
    SampleSynthetic(candles, files, store, FeaturePipeline(PandasFeatureCalculator()))(
        SampleRequest("gan-test", "real", "synthetic", paths=5, length=150), NOW)
    early = attrs.evolve(request(), split=SplitOptions(train_end=ms_to_datetime(TRAIN_END_MS - 60_000),
                                                       validation_end=ms_to_datetime(T0 + 4000 * 60_000),
                                                       no_test=True))
    report = ReportGan(candles, files, store, RunAblation(store, RecordingTrainer()))
    with pytest.raises(GanInputError, match="it has seen validation data"):
        report("synthetic", early, SilentObserver())
    assert report("synthetic", None, SilentObserver()).quality.report.prices_positive
