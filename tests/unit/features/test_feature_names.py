"""Naming feature sets: numbered siblings, identical sets found again, nothing replaced unasked."""

from __future__ import annotations

import numpy as np
import pytest

from application.features.names import Existing, FeatureSetExists, choose_name, family
from application.features.ports import PairFeatures
from domain.market.candles import Pair
from tests.unit.features.fake_store import InMemoryFeatureStore

ONE_ROW = PairFeatures(Pair("BTCUSDT"), np.zeros(1, np.int64), np.zeros(1, np.int32), {}, {})


def store_with(**hashes: str) -> InMemoryFeatureStore:
    store = InMemoryFeatureStore()
    for name, digest in hashes.items():
        store.write(name, [ONE_ROW], {"content_hash": digest})
    return store


def test_family_is_the_base_and_its_numbered_siblings_in_order() -> None:
    names = ["fs", "fs.10", "fs.2", "fs.x", "fs.1", "fs.02", "fs2", "other"]
    assert family("fs", names) == ["fs", "fs.2", "fs.10"]


def test_numbering_finds_an_identical_set_or_takes_the_first_free_number() -> None:
    store = store_with(**{"fs": "a", "fs.2": "b", "fs.4": "d"})
    assert choose_name("fs", "b", Existing.NUMBER, store) == ("fs.2", True)
    assert choose_name("fs", "c", Existing.NUMBER, store) == ("fs.3", False)
    assert choose_name("new", "c", Existing.NUMBER, store) == ("new", False)


def test_refuse_and_replace() -> None:
    store = store_with(fs="a")
    assert choose_name("fs", "a", Existing.REFUSE, store) == ("fs", True)
    with pytest.raises(FeatureSetExists, match="--force"):
        choose_name("fs", "b", Existing.REFUSE, store)
    assert choose_name("fs", "b", Existing.REPLACE, store) == ("fs", False)
