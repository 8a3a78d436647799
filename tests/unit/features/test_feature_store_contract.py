"""The FeatureStore contract, run against the parquet store and the in-memory fake."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from adapters.features import PandasFeatureCalculator, ParquetFeatureStore
from application.features.build import BuildFeatures, BuildRequest
from application.features.manifest import content_hash, data_digest
from application.features.ports import FeatureSetError, FeatureStore
from domain.market.candles import MINUTE_MS, Pair
from tests.fakes.candles import T0, InMemoryCandleStore, drop_minutes, make_candles
from tests.unit.features.fake_store import InMemoryFeatureStore

BTC, ETH = Pair("BTCUSDT"), Pair("ETHUSDT")


@pytest.fixture(params=["parquet", "memory"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], FeatureStore]:
    if request.param == "parquet":
        return lambda: ParquetFeatureStore(tmp_path / "features")
    store = InMemoryFeatureStore()
    return lambda: store


@pytest.fixture(scope="module")
def candles() -> InMemoryCandleStore:
    store = InMemoryCandleStore()
    store.merge(ETH, make_candles(1500, seed=3, price=20.0), "test")
    store.merge(BTC, drop_minutes(make_candles(1500, seed=4), *range(700, 760)), "test")
    return store


def build(candles: InMemoryCandleStore, store: FeatureStore, name: str = "fs"):  # type: ignore[no-untyped-def]
    request = BuildRequest(name, (ETH, BTC), T0, T0 + 600 * MINUTE_MS)
    return BuildFeatures(candles, PandasFeatureCalculator(), store)(request, datetime(2026, 1, 1, tzinfo=UTC))


def test_written_sets_load_back_bit_for_bit(make_store: Callable[[], FeatureStore],
                                            candles: InMemoryCandleStore) -> None:
    store = make_store()
    report = build(candles, store)
    loaded = store.load("fs")
    assert [p.pair for p in loaded] == [BTC, ETH]  # sorted by pair
    assert content_hash(store.manifest("fs"), data_digest(loaded)) == report.content_hash
    btc = loaded[0]
    assert btc.open_time_ms.dtype == np.int64 and btc.segment.dtype == np.int32
    assert btc.labels["label_direction"].dtype == np.int8 and btc.features["ret_1"].dtype == np.float32
    assert btc.labels["label_valid"][btc.labels["label_direction"] != 0].all()  # a class only where valid


def test_names_and_replacing_a_set(make_store: Callable[[], FeatureStore], candles: InMemoryCandleStore) -> None:
    store = make_store()
    assert store.names() == []
    build(candles, store, "b")
    build(candles, store, "a")
    assert store.names() == ["a", "b"]
    again = build(candles, store, "a")
    assert again.unchanged and store.names() == ["a", "b"]


def test_missing_sets_raise_a_feature_set_error(make_store: Callable[[], FeatureStore]) -> None:
    store = make_store()
    with pytest.raises(FeatureSetError, match="nope"):
        store.manifest("nope")
    with pytest.raises(FeatureSetError, match="nope"):
        store.load("nope")
