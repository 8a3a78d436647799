"""The torch GAN: seeded training and sampling are reproducible, the files name their content and
refuse tampered weights, and sampled candles have positive prices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from adapters.torch.gan import GeneratorFileError, TorchGanTrainer, TorchGeneratorFiles
from application.research.gan_ports import GanPlan, SilentGanObserver
from application.research.gan_sample import generate
from application.research.gan_train import DEFAULT_PARAMS, GanTrainRequest, TrainGan
from domain.market.candles import ms_to_datetime
from tests.fakes.candles import T0
from tests.unit.research.gan_builders import BTC, NOW, TRAIN_END_MS, candle_store

TINY = {**DEFAULT_PARAMS, "noise": 3, "hidden": 8, "epochs": 2, "batch": 16, "features": 3, "window": 16}


def windows(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.normal(size=(48, 16, 3)).astype(np.float32), rng.integers(0, 3, 48).astype(np.int64)


def test_the_same_seed_trains_and_samples_the_same_generator() -> None:
    x, c = windows()
    first, history = TorchGanTrainer(threads=1).fit(x, c, GanPlan(TINY, 3, seed=4), SilentGanObserver())
    second, _ = TorchGanTrainer(threads=1).fit(x, c, GanPlan(TINY, 3, seed=4), SilentGanObserver())
    conditions = np.array([0, 1, 2, 2])
    assert len(history) == 2 and all(np.isfinite(h.critic_loss) for h in history)
    drawn = first.sample(conditions, 40, seed=9)
    assert drawn.shape == (4, 40, 3) and np.isfinite(drawn).all()
    np.testing.assert_array_equal(drawn, second.sample(conditions, 40, seed=9))
    assert not np.array_equal(drawn, first.sample(conditions, 40, seed=10))


def test_files_name_the_weights_and_refuse_tampered_ones(tmp_path: Path) -> None:
    x, c = windows()
    generator, _ = TorchGanTrainer(threads=1).fit(x, c, GanPlan(TINY, 3, seed=1), SilentGanObserver())
    files = TorchGeneratorFiles(tmp_path)
    written = files.save({"params": TINY, "pair": "BTCUSDT"}, generator)
    assert written["version"] == f"gan-{written['weights_sha256'][:12]}"
    card, loaded = files.load(str(tmp_path / f"{written['version']}.pt"))
    assert card["version"] == written["version"]
    conditions = np.array([0, 2])
    np.testing.assert_array_equal(loaded.sample(conditions, 20, 3), generator.sample(conditions, 20, 3))
    weights = tmp_path / f"{written['version']}.pt"
    weights.write_bytes(weights.read_bytes() + b"x")
    with pytest.raises(GeneratorFileError, match="do not match"):
        files.load(str(weights))
    with pytest.raises(GeneratorFileError, match="no such generator file"):
        files.load(str(tmp_path / "gan-missing.json"))


def test_a_trained_generator_samples_positive_reproducible_candles(tmp_path: Path) -> None:
    candles = candle_store()
    request = GanTrainRequest(BTC, ms_to_datetime(T0), ms_to_datetime(TRAIN_END_MS),
                              ms_to_datetime(T0 + 2000 * 60_000), window=16, stride=16,
                              params={"noise": 3, "hidden": 8, "epochs": 1, "batch": 32}, seed=2)
    files = TorchGeneratorFiles(tmp_path)
    report = TrainGan(candles, TorchGanTrainer(threads=1), files)(request, NOW, SilentGanObserver())
    assert report.card["windows"] == (2000 - 1) // 16 and report.card["holdout_start"] < report.card["train_end"]
    card, generator = files.load(str(tmp_path / report.card["version"]))
    paths = generate(card, generator, candles, paths=12, length=100, seed=5)
    again = generate(card, generator, candles, paths=12, length=100, seed=5)
    assert paths.min_price > 0 and len(paths.candles) == 12
    for a, b in zip(paths.candles, again.candles, strict=True):
        np.testing.assert_array_equal(a.close, b.close)
        # the borrowed minutes lie in the generator's span, before its held-back part
        assert a.open_time_ms[-1] < T0 + 2000 * 60_000
    assert paths.tag.generator_version == card["version"]
