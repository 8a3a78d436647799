"""Use case: build a versioned feature set (features, labels, fitted normalizer and regime
thresholds) from the stored candles and write it to the feature store."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs
import numpy as np

from application.data.ports import CandleStore
from application.features.compute import FeaturePipeline, Fit, PairBuild, PairPlan, ensure_candles
from application.features.manifest import MANIFEST_FORMAT, candles_digest, content_hash, data_digest
from application.features.names import Existing, FeatureSetExists, choose_name
from application.features.ports import (
    CandleExtrasSource,
    CandleProvenance,
    FeatureCalculator,
    FeatureSetError,
    FeatureStore,
    PairFeatures,
)
from domain.features.definitions import FEATURE_CODE_VERSION, FeatureSpec, status_counts
from domain.features.labels import LabelSpec
from domain.market.candles import MINUTE_MS, FloatArray, Pair, ms_to_datetime
from domain.market.extras import complete_extras
from domain.market.quality import Ohlcv

__all__ = ["BuildFeatures", "BuildReport", "BuildRequest", "Existing", "FeatureSetExists", "PairReport"]

DAY_MS = 1440 * MINUTE_MS
Progress = Callable[[str, int, int], None]  # (pair, pairs done, pairs in all)


@attrs.frozen
class BuildRequest:
    """Open times ``start <= t < end`` are stored; ``fit_start <= t < fit_end`` fits the normalizer
    and the regime thresholds (the training period: it may lie outside the stored range)."""

    name: str
    pairs: tuple[Pair, ...]
    fit_start_ms: int
    fit_end_ms: int
    start_ms: int | None = None
    end_ms: int | None = None
    spec: FeatureSpec = attrs.field(factory=FeatureSpec)
    labels: LabelSpec = attrs.field(factory=LabelSpec)
    existing: Existing = Existing.REPLACE

    def __attrs_post_init__(self) -> None:
        if not self.pairs:
            raise FeatureSetError("no pairs to build features for")
        if self.fit_end_ms <= self.fit_start_ms:
            raise FeatureSetError("--fit-end must be after --fit-start")
        if self.start_ms is not None and self.end_ms is not None and self.end_ms <= self.start_ms:
            raise FeatureSetError("--end must be after --start")

    @property
    def plan(self) -> PairPlan:
        return PairPlan(self.spec, self.labels, self.fit_start_ms, self.fit_end_ms, self.start_ms, self.end_ms)


@attrs.frozen
class PairReport:
    pair: Pair
    rows: int
    excluded: dict[str, int]  # rows of the range left out: warm-up, gap
    label_missing: int
    fit_rows: int
    input_rows: int = 0  # candles read, history before the range included
    input_hash: str = ""


@attrs.frozen
class BuildReport:
    name: str
    location: str
    content_hash: str
    unchanged: bool
    pairs: tuple[PairReport, ...]

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.pairs)


class BuildFeatures:
    def __init__(self, candles: CandleStore, calculator: FeatureCalculator, store: FeatureStore,
                 provenance: CandleProvenance | None = None, extras: CandleExtrasSource | None = None,
                 code_version: str = "unknown", pipeline: FeaturePipeline | None = None) -> None:
        self._candles = candles
        self._pipeline = pipeline or FeaturePipeline(calculator)
        self._store = store
        self._provenance = provenance
        self._extras = extras
        self._code_version = code_version

    def __call__(self, request: BuildRequest, built_at: datetime, progress: Progress | None = None) -> BuildReport:
        built: list[tuple[PairFeatures, Fit, PairReport]] = []
        for done, pair in enumerate(request.pairs):
            if progress:
                progress(pair.symbol, done, len(request.pairs))
            built.append(self.pair_features(pair, request))
        if progress:
            progress("", len(request.pairs), len(request.pairs))
        tables = [b[0] for b in built]
        _require_same_columns(tables)
        manifest = self._manifest(request, built, built_at)
        digest = content_hash(manifest, data_digest(tables))
        name, unchanged = choose_name(request.name, digest, request.existing, self._store)
        manifest["name"], manifest["content_hash"] = name, digest
        location = self._store.location(name) if unchanged else self._store.write(name, tables, manifest)
        return BuildReport(name, location, digest, unchanged, tuple(b[2] for b in built))

    def pair_features(self, pair: Pair, request: BuildRequest) -> tuple[PairFeatures, Fit, PairReport]:
        candles = self._load(pair, request)
        ensure_candles(candles, pair.symbol)
        extras = self._extras_of(pair, candles)
        build = self._pipeline.build(pair, candles, request.plan, extras)
        if not len(build.table):
            raise FeatureSetError(f"{pair}: no usable candles in the requested range (--start/--end)")
        return build.table, build.fitted, _pair_report(pair, build, candles, extras)

    def _extras_of(self, pair: Pair, candles: Ohlcv) -> dict[str, FloatArray]:
        """A given extras source wins; otherwise the extras the stored candles know on every row
        (a column with holes would leave feature rows without a value, so it is left out)."""
        if self._extras is not None:
            return dict(self._extras.extras(pair, candles.open_time_ms))
        return complete_extras(candles)

    def _load(self, pair: Pair, request: BuildRequest) -> Ohlcv:
        """The requested span plus the history of the run it starts in, so a bar's features do not
        depend on where the build starts (Wilder's ATR remembers its whole run)."""
        lo = None if request.start_ms is None else min(request.start_ms, request.fit_start_ms)
        hi = None if request.end_ms is None else max(request.end_ms, request.fit_end_ms)
        if lo is None:
            return self._candles.load(pair, None, hi)
        back = DAY_MS
        while True:
            candles = self._candles.load(pair, lo - back, hi)
            t = candles.open_time_ms
            first_needed = int(np.searchsorted(t, lo))
            if len(t) == 0 or t[0] > lo - back or np.any(np.diff(t[: first_needed + 1]) != MINUTE_MS):
                return candles
            back *= 4

    def _manifest(self, request: BuildRequest, built: Sequence[tuple[PairFeatures, Fit, PairReport]],
                  built_at: datetime) -> dict[str, Any]:
        first = built[0][0]
        return {
            "format": MANIFEST_FORMAT,
            "name": request.name,
            "feature_code_version": FEATURE_CODE_VERSION,
            "feature_spec": request.spec.as_dict(),
            "label_spec": request.labels.as_dict(),
            "features": list(first.features),
            "normalized": list(built[0][1].normalizer.columns),
            "labels": list(first.labels),
            "range": {"start": _iso(request.start_ms), "end": _iso(request.end_ms)},
            "fit_window": {"start": _iso(request.fit_start_ms), "end": _iso(request.fit_end_ms)},
            "pairs": {t.pair.symbol: _pair_entry(t, f, r) for t, f, r in built},
            "content_hash": "",
            "built_at": built_at.isoformat(),
            "code_version": self._code_version,
            "inputs": {t.pair.symbol: self._inputs(r, request) for t, _, r in built},
        }

    def _inputs(self, report: PairReport, request: BuildRequest) -> dict[str, Any]:
        inputs: dict[str, Any] = {"candles": report.input_rows, "candles_sha256": report.input_hash}
        if self._provenance is not None:
            lo = None if request.start_ms is None else min(request.start_ms, request.fit_start_ms)
            hi = None if request.end_ms is None else max(request.end_ms, request.fit_end_ms)
            inputs["partitions"] = self._provenance.partition_hashes(report.pair, lo, hi)
        return inputs


def _require_same_columns(tables: Sequence[PairFeatures]) -> None:
    """One file holds every pair, so every pair must have the same columns (optional inputs included)."""
    expected = list(tables[0].features)
    for table in tables[1:]:
        if list(table.features) != expected:
            raise FeatureSetError(f"{table.pair}: features {list(table.features)} differ from "
                                  f"{tables[0].pair}'s {expected}; build pairs with different inputs separately")


def _pair_report(pair: Pair, build: PairBuild, candles: Ohlcv, extras: Mapping[str, FloatArray]) -> PairReport:
    missing = int(np.count_nonzero(~build.table.labels["label_valid"]))
    excluded = {k: v for k, v in status_counts(build.raw.status[build.in_range]).items() if k != "usable"}
    return PairReport(pair, int(np.count_nonzero(build.rows)), excluded, missing, build.fitted.rows, len(candles),
                      candles_digest(candles, extras))


def _pair_entry(table: PairFeatures, fitted: Fit, report: PairReport) -> dict[str, Any]:
    return {
        "rows": report.rows,
        "first_open_time": _iso(int(table.open_time_ms[0])),
        "last_open_time": _iso(int(table.open_time_ms[-1])),
        "segments": int(table.segment[-1]) + 1,
        "excluded": report.excluded,
        "label_missing": report.label_missing,
        "fit_rows": fitted.rows,
        "normalizer": fitted.normalizer.as_dict(),
        "regime_thresholds": fitted.regime.as_dict(),
    }


def _iso(ms: int | None) -> str | None:
    return None if ms is None else ms_to_datetime(ms).isoformat()
