"""An in-memory FeatureStore that passes the same contract tests as the parquet one."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any

from application.features.ports import FeatureSetError, FeatureStore, PairFeatures


class InMemoryFeatureStore(FeatureStore):
    def __init__(self) -> None:
        self._sets: dict[str, tuple[list[PairFeatures], dict[str, Any]]] = {}

    def names(self) -> list[str]:
        return sorted(self._sets)

    def location(self, name: str) -> str:
        return f"memory:{name}"

    def write(self, name: str, pairs: Sequence[PairFeatures], manifest: Mapping[str, Any]) -> str:
        if not pairs:
            raise FeatureSetError("a feature set needs at least one pair")
        # through JSON, as on disk: the store must not keep a reference the caller could change
        self._sets[name] = (sorted(copy.deepcopy(list(pairs)), key=lambda p: p.pair.symbol),
                            json.loads(json.dumps(manifest, allow_nan=False)))
        return self.location(name)

    def manifest(self, name: str) -> dict[str, Any]:
        if name not in self._sets:
            raise FeatureSetError(f"{name}: no such feature set manifest")
        return copy.deepcopy(self._sets[name][1])

    def load(self, name: str) -> list[PairFeatures]:
        if name not in self._sets:
            raise FeatureSetError(f"{name}: no such feature set")
        return copy.deepcopy(self._sets[name][0])
