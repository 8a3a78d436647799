"""Use case: sample synthetic candles from a trained generator and store their features, tagged,
as a feature set beside the real one.

Each path borrows a real stretch of the generator's training span (never its held-back part):
the stretch's first close anchors the prices, its minutes give the calendar features, and its
volatility regime is the condition. The features are computed by the one feature pipeline with
the real set's normalizer and regime thresholds (fitted on real training rows), so a synthetic
row is normalized exactly as a real one. Every stored row carries synthetic=True and the
generator's version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs
import numpy as np

from application.data.ports import CandleStore
from application.features.compute import FeaturePipeline, Fit, PairPlan
from application.features.manifest import MANIFEST_FORMAT, content_hash, data_digest
from application.features.ports import FeatureStore, PairFeatures
from application.research.gan_data import GanInputError, Scaling, runs_of
from application.research.gan_ports import GeneratorFiles, SequenceGenerator
from domain.features.definitions import FeatureSpec
from domain.features.labels import LabelSpec
from domain.features.normalize import Normalizer
from domain.features.regimes import RegimeThresholds
from domain.market.candles import Pair, datetime_to_ms
from domain.market.quality import Ohlcv
from domain.research.synthetic import SyntheticTag, candles_from_paths

TAGS = ("synthetic", "generator_version")


@attrs.frozen(eq=False)
class SyntheticPaths:
    tag: SyntheticTag
    candles: tuple[Ohlcv, ...]
    conditions: np.ndarray

    def log_returns(self) -> list[np.ndarray]:
        return [np.diff(np.log(np.concatenate([[c.open[0]], c.close]))) for c in self.candles]

    @property
    def min_price(self) -> float:
        return float(min(c.low.min() for c in self.candles)) if self.candles else float("nan")


def generate(card: Mapping[str, Any], generator: SequenceGenerator, candles: CandleStore, paths: int, length: int,
             seed: int) -> SyntheticPaths:
    """``paths`` synthetic candle series of ``length`` bars; the same seed, the same candles."""
    if paths < 1 or length < 2:
        raise GanInputError(f"--paths must be at least 1 and --length at least 2, got {paths} and {length}")
    pair = Pair(card["pair"])
    real = candles.load(pair, datetime_to_ms(datetime.fromisoformat(card["train_start"])),
                       datetime_to_ms(datetime.fromisoformat(card["holdout_start"])))
    runs = [r for r in runs_of(real) if len(r) > length]
    if not runs:
        raise GanInputError(f"{pair}: no unbroken stretch of {length + 1} minutes in the generator's training span "
                            f"{card['train_start']} -> {card['holdout_start']}; lower --length")
    rng = np.random.default_rng(seed)
    starts = np.cumsum([0] + [len(r) - length for r in runs])
    draws = np.sort(rng.integers(0, starts[-1], paths))
    which = np.searchsorted(starts, draws, side="right") - 1
    offsets = draws - starts[which]
    anchors = np.array([runs[w].close[o] for w, o in zip(which, offsets, strict=True)])
    times = np.stack([runs[w].open_time_ms[o + 1:o + 1 + length] for w, o in zip(which, offsets, strict=True)])
    closes = np.stack([runs[w].close[o:o + 1 + length] for w, o in zip(which, offsets, strict=True)])
    scaling = Scaling.from_dict(card["scaling"])
    conditions = scaling.regimes(np.diff(np.log(closes), axis=1))
    restored = scaling.restore(generator.sample(conditions, length, seed))
    series = candles_from_paths(anchors, times, restored[:, :, 0], restored[:, :, 1], restored[:, :, 2])
    return SyntheticPaths(SyntheticTag(card["version"]), tuple(series), conditions)


@attrs.frozen
class SampleRequest:
    generator: str  # the generator's card (or its folder and version)
    feature_set: str  # the real set whose spec, normalizer and thresholds the synthetic rows take
    name: str  # the synthetic feature set written
    paths: int = 200
    length: int = 192
    seed: int = 0


@attrs.frozen
class SampleReport:
    name: str
    location: str
    generator_version: str
    paths: int
    rows: int
    min_price: float

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


class SampleSynthetic:
    def __init__(self, candles: CandleStore, files: GeneratorFiles, features: FeatureStore,
                 pipeline: FeaturePipeline) -> None:
        self._candles, self._files, self._features, self._pipeline = candles, files, features, pipeline

    def __call__(self, request: SampleRequest, now: datetime) -> SampleReport:
        if request.name == request.feature_set:
            raise GanInputError(f"--name {request.name} would replace the real feature set; choose another name")
        card, generator = self._files.load(request.generator)
        real = self._features.manifest(request.feature_set)
        entry = _pair_entry(real, request.feature_set, card["pair"])
        spec, labels = FeatureSpec(**real["feature_spec"]), LabelSpec(**real["label_spec"])
        if request.length <= spec.warmup + labels.horizon:
            raise GanInputError(f"--length {request.length} leaves no usable row after the {spec.warmup}-bar feature "
                                f"warm-up and the {labels.horizon}-bar label horizon")
        fitted = Fit(Normalizer.from_dict(entry["normalizer"]), RegimeThresholds.from_dict(entry["regime_thresholds"]),
                     int(entry["fit_rows"]))
        plan = PairPlan(spec, labels, datetime_to_ms(datetime.fromisoformat(real["fit_window"]["start"])),
                        datetime_to_ms(datetime.fromisoformat(real["fit_window"]["end"])))
        paths = generate(card, generator, self._candles, request.paths, request.length, request.seed)
        pair = Pair(card["pair"])
        table = join_tagged([self._pipeline.build(pair, c, plan, None, fitted).table for c in paths.candles],
                            paths.tag)
        if list(table.features) != list(real["features"]):
            raise GanInputError(f"feature set {request.feature_set} holds features {real['features']}, synthetic "
                                f"candles (OHLCV only) give {list(table.features)}; build the real set from OHLCV")
        manifest = _manifest(real, request, card, table, entry, now)
        manifest["content_hash"] = content_hash(manifest, data_digest([table]))
        location = self._features.write(request.name, [table], manifest)
        return SampleReport(request.name, location, paths.tag.generator_version, len(paths.candles), len(table),
                            paths.min_price)


def join_tagged(tables: Sequence[PairFeatures], tag: SyntheticTag) -> PairFeatures:
    """One table of every path (each its own segments, never joined to the next) with the tags."""
    kept = [t for t in tables if len(t)]
    if not kept:
        raise GanInputError("no synthetic path left a usable row; raise --length")
    offsets = np.cumsum([0] + [int(t.segment.max()) + 1 for t in kept])
    n = sum(len(t) for t in kept)
    return PairFeatures(
        kept[0].pair, np.concatenate([t.open_time_ms for t in kept]),
        np.concatenate([t.segment + o for t, o in zip(kept, offsets, strict=False)]).astype(np.int32),
        {k: np.concatenate([t.features[k] for t in kept]) for k in kept[0].features},
        {k: np.concatenate([t.labels[k] for t in kept]) for k in kept[0].labels},
        {"synthetic": np.full(n, tag.synthetic), "generator_version": np.full(n, tag.generator_version)})


def _pair_entry(manifest: Mapping[str, Any], name: str, pair: str) -> dict[str, Any]:
    if manifest.get("synthetic"):
        raise GanInputError(f"feature set {name} is itself synthetic; name the real set (--feature-set)")
    if pair not in manifest.get("pairs", {}):
        raise GanInputError(f"feature set {name} holds no {pair} (it holds {', '.join(manifest.get('pairs', {}))})")
    entry: dict[str, Any] = manifest["pairs"][pair]
    return entry


def _manifest(real: Mapping[str, Any], request: SampleRequest, card: Mapping[str, Any], table: PairFeatures,
              entry: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    return {"format": MANIFEST_FORMAT, "name": request.name, "feature_code_version": real["feature_code_version"],
            "feature_spec": real["feature_spec"], "label_spec": real["label_spec"], "features": list(table.features),
            "normalized": real["normalized"], "labels": list(table.labels), "tags": list(TAGS),
            "range": {"start": None, "end": None}, "fit_window": real["fit_window"],
            "pairs": {card["pair"]: {**entry, "rows": len(table), "segments": int(table.segment.max()) + 1}},
            "synthetic": {"generator_version": card["version"], "generator": request.generator, "pair": card["pair"],
                          "train_end": card["train_end"],
                          "source_set": request.feature_set, "paths": request.paths, "length": request.length,
                          "seed": request.seed},
            "content_hash": "", "built_at": now.isoformat(), "code_version": card.get("code_version", "unknown")}
