"""In-memory fakes of the model monitor's ports (application.models.monitor_ports)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np

from application.features.ports import FeatureSetError, PairFeatures
from application.models.monitor_ports import (
    AccuracyHistory,
    ClosedTrades,
    FeatureScorer,
    FeatureWindows,
    MonitorSourceError,
)
from domain.market.candles import FloatArray, Pair
from domain.models.cards import ModelCard
from domain.models.triggers import DailyAccuracy
from domain.signals.signal import Mode


class InMemoryFeatureWindows(FeatureWindows):
    def __init__(self) -> None:
        self.sets: dict[str, tuple[dict[str, Any], dict[str, PairFeatures]]] = {}

    def add(self, name: str, manifest: dict[str, Any], pairs: Sequence[PairFeatures]) -> None:
        self.sets[name] = (manifest, {p.pair.symbol: p for p in pairs})

    def manifest(self, name: str) -> Mapping[str, Any]:
        if name not in self.sets:
            raise FeatureSetError(f"{name}: no such feature set")
        return self.sets[name][0]

    def window(self, name: str, pair: str, start_ms: int, end_ms: int, columns: Sequence[str],
               every_ms: int | None = None) -> PairFeatures:
        manifest = self.manifest(name)
        unknown = [c for c in columns if c not in manifest["features"] and c not in manifest["labels"]]
        if unknown:
            raise FeatureSetError(f"feature set {name} has no column {', '.join(unknown)}")
        rows = self.sets[name][1].get(pair)
        if rows is None:
            return PairFeatures(Pair(pair), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int32),
                                {c: np.zeros(0) for c in columns if c in manifest["features"]},
                                {c: np.zeros(0) for c in columns if c in manifest["labels"]})
        t = rows.open_time_ms
        mask = (t >= start_ms) & (t < end_ms)
        if every_ms:
            mask &= t % every_ms == 0
        return PairFeatures(rows.pair, t[mask], rows.segment[mask],
                            {c: rows.features[c][mask] for c in columns if c in manifest["features"]},
                            {c: rows.labels[c][mask] for c in columns if c in manifest["labels"]})


class InMemoryAccuracyHistory(AccuracyHistory):
    def __init__(self, fail_with: Exception | None = None) -> None:
        self.records: list[DailyAccuracy] = []
        self.fail_with = fail_with

    def append(self, records: Sequence[DailyAccuracy]) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.records.extend(records)

    def read(self, model: str) -> Sequence[DailyAccuracy]:
        if self.fail_with is not None:
            raise self.fail_with
        return [r for r in self.records if r.model == model]


class InMemoryClosedTrades(ClosedTrades):
    """Trades as (model_version, mode, exit_time, won), in any order."""

    def __init__(self, trades: Sequence[tuple[str, Mode, datetime, bool]] = (), broken: bool = False) -> None:
        self.trades = list(trades)
        self.broken = broken

    def last_results(self, limit: int, model_versions: Sequence[str], mode: Mode | None,
                     until: datetime) -> Sequence[bool]:
        if self.broken:
            raise MonitorSourceError("risk book: cannot read closed trades (database is down)")
        chosen = [t for t in self.trades
                  if t[0] in model_versions and (mode is None or t[1] is mode) and t[2] <= until]
        chosen.sort(key=lambda t: t[2], reverse=True)
        return [t[3] for t in chosen[:limit]]


class FunctionScorer(FeatureScorer):
    """Scores with ``score(features) -> P(up)``; counts its calls."""

    def __init__(self, score: Callable[[PairFeatures], FloatArray]) -> None:
        self._score = score
        self.calls = 0

    def up_probability(self, card: ModelCard, features: PairFeatures) -> FloatArray:
        self.calls += 1
        return self._score(features)
