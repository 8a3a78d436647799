"""Use case: build a versioned feature set (features, labels, fitted normalizer and regime
thresholds) from the stored candles and write it to the feature store."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import attrs
import numpy as np

from application.features_compute import (
    Fit,
    ensure_candles,
    finished_columns,
    fit,
    in_window,
    raw_features,
)
from application.features_manifest import MANIFEST_FORMAT, candles_digest, content_hash, data_digest
from application.ports_data import CandleStore
from application.ports_features import (
    CandleExtrasSource,
    CandleProvenance,
    FeatureCalculator,
    FeatureSetError,
    FeatureStore,
    PairFeatures,
)
from domain.data_quality import Ohlcv
from domain.features import FEATURE_CODE_VERSION, FeatureSpec, contiguous_runs, status_counts
from domain.labels import LabelSpec, make_labels
from domain.market import MINUTE_MS, Pair, ms_to_datetime

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

    def __attrs_post_init__(self) -> None:
        if not self.pairs:
            raise FeatureSetError("no pairs to build features for")
        if self.fit_end_ms <= self.fit_start_ms:
            raise FeatureSetError("--fit-end must be after --fit-start")
        if self.start_ms is not None and self.end_ms is not None and self.end_ms <= self.start_ms:
            raise FeatureSetError("--end must be after --start")


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
                 code_version: str = "unknown") -> None:
        self._candles = candles
        self._calculator = calculator
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
        manifest["content_hash"] = content_hash(manifest, data_digest(tables))
        unchanged = self._same_as_stored(request.name, manifest["content_hash"])
        location = self._store.location(request.name) if unchanged else self._store.write(request.name, tables,
                                                                                           manifest)
        return BuildReport(request.name, location, manifest["content_hash"], unchanged, tuple(b[2] for b in built))

    def pair_features(self, pair: Pair, request: BuildRequest) -> tuple[PairFeatures, Fit, PairReport]:
        candles = self._load(pair, request)
        ensure_candles(candles, pair.symbol)
        extras = dict(self._extras.extras(pair, candles.open_time_ms)) if self._extras else None
        raw = raw_features(candles, request.spec, self._calculator, extras or None)
        fitted = fit(raw, request.spec, request.fit_start_ms, request.fit_end_ms, pair.symbol)
        in_range = in_window(raw.open_time_ms, request.start_ms, request.end_ms)
        rows = in_range & raw.usable
        if not np.any(rows):
            raise FeatureSetError(f"{pair}: no usable candles in the requested range (--start/--end)")
        labels = self._labels(candles, raw.market, request, rows)
        times = raw.open_time_ms[rows]
        table = PairFeatures(pair, times, contiguous_runs(times).run_id.astype(np.int32),
                             finished_columns(raw, request.spec, fitted, rows), labels)
        missing = int(np.count_nonzero(~labels["label_valid"]))
        excluded = {k: v for k, v in status_counts(raw.status[in_range]).items() if k != "usable"}
        report = PairReport(pair, int(np.count_nonzero(rows)), excluded, missing, fitted.rows, len(candles),
                            candles_digest(candles))
        return table, fitted, report

    def _labels(self, candles: Ohlcv, market: dict[str, Any], request: BuildRequest,
                rows: np.ndarray) -> dict[str, np.ndarray]:
        spec = request.spec
        atr = market[f"natr_{spec.atr_period}"] * candles.close
        labels = make_labels(candles.close, contiguous_runs(candles.open_time_ms), request.labels, atr)
        valid = labels.valid.copy()
        if request.end_ms is not None:
            # a label must not read candles past the stored range: they may belong to the next period
            valid &= candles.open_time_ms + request.labels.horizon * MINUTE_MS < request.end_ms
        floats = {"label_return": labels.forward_return, "label_trend_atr": labels.trend_atr,
                  "label_efficiency": labels.efficiency}
        out: dict[str, np.ndarray] = {"label_valid": valid[rows],
                                      "label_direction": np.where(valid, labels.direction, 0).astype(np.int8)[rows]}
        for name, values in floats.items():
            out[name] = np.where(valid, values, np.nan)[rows].astype(np.float32)
        return out

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

    def _same_as_stored(self, name: str, digest: str) -> bool:
        if name not in self._store.names():
            return False
        try:
            return bool(self._store.manifest(name).get("content_hash") == digest)
        except FeatureSetError:
            return False


def _require_same_columns(tables: Sequence[PairFeatures]) -> None:
    """One file holds every pair, so every pair must have the same columns (optional inputs included)."""
    expected = list(tables[0].features)
    for table in tables[1:]:
        if list(table.features) != expected:
            raise FeatureSetError(f"{table.pair}: features {list(table.features)} differ from "
                                  f"{tables[0].pair}'s {expected}; build pairs with different inputs separately")


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
