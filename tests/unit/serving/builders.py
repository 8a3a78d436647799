"""Served models built in code, no shared data needed: two pairs of synthetic candles (seeded
random walks), a feature set built from them by the project's own use case, and seeded untrained
networks of small sizes with their cards. A prediction's correctness here is its agreement with
the other path and with the policy's arithmetic, which holds whatever the weights."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import torch

from adapters.features import PandasFeatureCalculator, ParquetFeatureStore
from adapters.registry import JsonRegistryStore
from adapters.torch import TorchModelFiles
from adapters.torch.networks import build_network
from adapters.torch.serving import ServedModel
from adapters.torch.trainer import TorchModel
from application.features.build import BuildFeatures, BuildRequest
from application.models.serving import FeatureInputs
from application.models.training.cards import draft_card
from domain.features.splits import Period, Split
from domain.market.candles import MINUTE_MS, Pair, ms_to_datetime
from domain.market.quality import Ohlcv
from domain.models.cards import ModelCard, ModelKind
from domain.models.registry import PromotionKind, RegistryEntry
from tests.fakes.candles import T0, InMemoryCandleStore, make_candles

BTC, ETH = Pair("BTCUSDT"), Pair("ETHUSDT")
N = 2500
SET = "fs"
BUILT_AT = datetime(2026, 1, 2, tzinfo=UTC)
COLUMNS = ("open_time_ms", "open", "high", "low", "close", "volume")
LSTM_WINDOW, TRANSFORMER_WINDOW = 20, 12


def candles() -> dict[Pair, Ohlcv]:
    return {BTC: make_candles(N, seed=1), ETH: make_candles(N, seed=2, price=10.0)}


def feature_set(folder: Path, series: dict[Pair, Ohlcv] | None = None) -> dict[str, Any]:
    """The manifest of ``SET``, built in ``folder`` by BuildFeatures over the first 1,500 minutes' fit."""
    store = InMemoryCandleStore()
    for pair, ohlcv in (series or candles()).items():
        store.merge(pair, ohlcv, "test")
    features = ParquetFeatureStore(folder)
    request = BuildRequest(SET, (BTC, ETH), fit_start_ms=T0, fit_end_ms=T0 + 1500 * MINUTE_MS)
    BuildFeatures(store, PandasFeatureCalculator(), features)(request, BUILT_AT)
    return features.manifest(SET)


def card_and_network(kind: ModelKind, pairs: tuple[str, ...], manifest: dict[str, Any],
                     seed: int) -> tuple[ModelCard, torch.nn.Module]:
    window = LSTM_WINDOW if kind is ModelKind.LSTM else TRANSFORMER_WINDOW
    params: dict[str, Any] = {"hidden": 8, "dropout": 0.0, "n_features": len(manifest["features"]), "window": window,
                              "layers": 1, "n_pairs": len(pairs)}
    if kind is ModelKind.TRANSFORMER:
        params["heads"] = 2
    torch.manual_seed(seed)
    split = Split("test", (Period("train", ms_to_datetime(T0), ms_to_datetime(T0) + timedelta(days=1)),),
                  timedelta(minutes=15))
    card = draft_card(kind, pairs, manifest, SET, window, params, seed, split, "test", BUILT_AT)
    return card, build_network(kind, params).eval()


def served(kind: ModelKind, pairs: tuple[str, ...], manifest: dict[str, Any], seed: int = 0,
           calibration: dict[str, Any] | None = None) -> ServedModel:
    card, network = card_and_network(kind, pairs, manifest, seed)
    if calibration is not None:
        card = attrs.evolve(card, calibration=calibration)
    role = f"lstm_{pairs[0][:3].lower()}" if kind is ModelKind.LSTM else "transformer"
    return ServedModel(f"v1.0.{seed}", role, card, network, FeatureInputs(SET, manifest, PandasFeatureCalculator()))


def register_promoted(models: Path, manifest: dict[str, Any]) -> dict[str, str]:
    """An LSTM for BTC and a transformer for BTC+ETH saved in ``models``, registered and promoted
    (for research: untrained models pass no gate); the tag of each weights file."""
    files, store = TorchModelFiles(models), JsonRegistryStore(models)
    registry = store.load()
    tags = {}
    for number, (kind, pairs) in enumerate(((ModelKind.LSTM, ("BTCUSDT",)),
                                            (ModelKind.TRANSFORMER, ("BTCUSDT", "ETHUSDT")))):
        card, network = card_and_network(kind, pairs, manifest, seed=number)
        written = files.save(card, TorchModel(network, kind, (), 0, torch.device("cpu")))
        model = store.inspect(files.location(written.name))
        tag = f"v1.0.{number}"
        entry = RegistryEntry.from_card(tag, model.card, model.file, model.sha256, model.card_sha256, BUILT_AT)
        registry = registry.register(entry).promote(tag, PromotionKind.RESEARCH, BUILT_AT, ("untrained, for a test",))
        tags[model.file] = tag
    store.save(registry)
    return tags
