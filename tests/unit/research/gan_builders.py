"""A real feature set built in memory from candles made in code, a fake generator (seeded noise)
and fake generator files, for the GAN track's tests without torch."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np

from adapters.features import PandasFeatureCalculator
from application.features.build import BuildFeatures, BuildRequest
from application.features.ports import FeatureStore
from application.research.gan_data import Scaling
from application.research.gan_ports import Float32Array, GeneratorFiles, IntArray, SequenceGenerator
from domain.market.candles import MINUTE_MS, Pair, ms_to_datetime
from tests.fakes.candles import T0, InMemoryCandleStore, make_candles

BTC = Pair("BTCUSDT")
MINUTES = 4000
TRAIN_END_MS = T0 + 2500 * MINUTE_MS  # validation from here to the end
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def candle_store() -> InMemoryCandleStore:
    store = InMemoryCandleStore()
    store.merge(BTC, make_candles(MINUTES, seed=5, price=30_000.0), "test")
    return store


def build_real_set(candles: InMemoryCandleStore, store: FeatureStore, name: str = "real") -> None:
    request = BuildRequest(name, (BTC,), T0, TRAIN_END_MS - 15 * MINUTE_MS)
    BuildFeatures(candles, PandasFeatureCalculator(), store)(request, NOW)


class NoiseGenerator(SequenceGenerator):
    """Standardized Gaussian noise: what an untrained generator gives, seeded."""

    def sample(self, conditions: IntArray, length: int, seed: int) -> Float32Array:
        return np.random.default_rng(seed).normal(size=(len(conditions), length, 3)).astype(np.float32)


def card(version: str = "gan-test") -> dict[str, Any]:
    scaling = Scaling((0.0, float(np.log(1.5e-3)), 2.0), (1e-3, 0.3, 0.5), (5e-4, 9e-4))
    return {"version": version, "pair": BTC.symbol, "train_start": ms_to_datetime(T0).isoformat(),
            "holdout_start": ms_to_datetime(T0 + 2000 * MINUTE_MS).isoformat(),
            "train_end": ms_to_datetime(TRAIN_END_MS).isoformat(), "scaling": scaling.as_dict()}


class MemoryGeneratorFiles(GeneratorFiles):
    def __init__(self) -> None:
        self.saved: dict[str, tuple[dict[str, Any], SequenceGenerator]] = {}

    def save(self, card: Mapping[str, Any], generator: SequenceGenerator) -> dict[str, Any]:
        written = {**card, "version": card.get("version", "gan-memory")}
        self.saved[written["version"]] = (written, generator)
        return written

    def load(self, path: str) -> tuple[dict[str, Any], SequenceGenerator]:
        if path not in self.saved:
            raise ValueError(f"{path}: no such generator file")
        return self.saved[path]
