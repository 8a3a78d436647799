"""The one feature pipeline: raw features of a pair's candles, the fit on the training window,
the finished (stored) columns and the labels. The build and the leakage check both run a
``FeaturePipeline``, so what is checked is what is stored; tests subclass it to plant leaks the
check must catch."""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import numpy as np
import numpy.typing as npt

from application.features.ports import FeatureCalculator, FeatureSetError, PairFeatures
from domain.features.definitions import (
    CALENDAR_COLUMNS,
    REGIME_COLUMN,
    BoolArray,
    FeatureSpec,
    RowStatus,
    Runs,
    calendar_columns,
    contiguous_runs,
    require_columns,
    row_status,
)
from domain.features.labels import LabelSpec, make_labels
from domain.features.normalize import Normalizer
from domain.features.regimes import RegimeThresholds
from domain.market.candles import MINUTE_MS, FloatArray, IntArray, Pair
from domain.market.quality import Ohlcv
from domain.market.sessions import SESSIONS, session_masks

SESSION_COLUMNS = tuple(f"session_{s.name}" for s in SESSIONS)


@attrs.frozen(eq=False)
class RawFeatures:
    """Features before normalization, for every loaded candle (excluded rows included)."""

    open_time_ms: IntArray
    runs: Runs
    status: npt.NDArray[np.uint8]
    market: dict[str, FloatArray]
    calendar: dict[str, FloatArray]
    sessions: dict[str, BoolArray]

    def columns(self) -> dict[str, np.ndarray]:
        return {**self.market, **self.calendar, **self.sessions, "status": self.status}

    @property
    def usable(self) -> BoolArray:
        mask: BoolArray = self.status == RowStatus.USABLE
        return mask


@attrs.frozen
class Fit:
    normalizer: Normalizer
    regime: RegimeThresholds
    rows: int


def raw_features(candles: Ohlcv, spec: FeatureSpec, calculator: FeatureCalculator,
                 extras: Mapping[str, FloatArray] | None = None) -> RawFeatures:
    t = candles.open_time_ms
    runs = contiguous_runs(t)
    market = calculator.market_features(candles, spec, extras)
    require_columns(market, spec.market_columns(tuple(extras or ())), len(t))
    sessions = {f"session_{name}": mask for name, mask in session_masks(t).items()}
    return RawFeatures(t, runs, row_status(runs, spec.warmup), market, calendar_columns(t), sessions)


def last_raw_features(candles: Ohlcv, spec: FeatureSpec, calculator: FeatureCalculator, rows: int) -> RawFeatures:
    """``raw_features(candles, spec, calculator)`` of the last ``rows`` candles (OHLCV features only):
    the same rows, each computed from the candles it reads, not from all of them."""
    rows = max(0, min(rows, len(candles)))
    tail = slice(len(candles) - rows, len(candles))
    runs = contiguous_runs(candles.open_time_ms)
    t = candles.open_time_ms[tail]
    market = calculator.last_market_features(candles, spec, rows)
    require_columns(market, spec.market_columns(), rows)
    sessions = {f"session_{name}": mask for name, mask in session_masks(t).items()}
    return RawFeatures(t, Runs(runs.run_id[tail], runs.position[tail]), row_status(runs, spec.warmup)[tail], market,
                       calendar_columns(t), sessions)


def in_window(open_time_ms: IntArray, start_ms: int | None, end_ms: int | None) -> BoolArray:
    inside = np.ones(len(open_time_ms), dtype=bool)
    if start_ms is not None:
        inside &= open_time_ms >= start_ms
    if end_ms is not None:
        inside &= open_time_ms < end_ms
    return inside


def fit(raw: RawFeatures, spec: FeatureSpec, fit_start_ms: int, fit_end_ms: int, pair: str) -> Fit:
    """Normalizer and regime thresholds from the usable rows of the fit window, and nothing else."""
    rows = raw.usable & in_window(raw.open_time_ms, fit_start_ms, fit_end_ms)
    count = int(np.count_nonzero(rows))
    if count == 0:
        raise FeatureSetError(f"{pair}: no usable candles in the fit window (--fit-start/--fit-end); "
                              f"every bar there is missing, warm-up or next to a gap")
    try:
        normalizer = Normalizer.fit(raw.market, rows)
        regime = RegimeThresholds.fit(spec.regime_column, raw.market[spec.regime_column][rows])
    except ValueError as exc:
        raise FeatureSetError(f"{pair}: {exc}") from exc
    return Fit(normalizer, regime, count)


def finished_columns(raw: RawFeatures, spec: FeatureSpec, fitted: Fit, rows: BoolArray) -> dict[str, np.ndarray]:
    """The stored feature columns of the selected rows: normalized market features as float32,
    calendar as float32, sessions and the regime as int8."""
    out: dict[str, np.ndarray] = {}
    for name, values in raw.market.items():
        out[name] = fitted.normalizer.apply(name, values[rows]).astype(np.float32)
    for name in CALENDAR_COLUMNS:
        out[name] = raw.calendar[name][rows].astype(np.float32)
    for name in SESSION_COLUMNS:
        out[name] = raw.sessions[name][rows].astype(np.int8)
    out[REGIME_COLUMN] = fitted.regime.classify(raw.market[spec.regime_column][rows])
    return out


@attrs.frozen
class PairPlan:
    """Everything besides the candles that decides a pair's stored table: open times
    ``start <= t < end`` are stored, ``fit_start <= t < fit_end`` fits the normalizer and the regime."""

    spec: FeatureSpec
    labels: LabelSpec
    fit_start_ms: int
    fit_end_ms: int
    start_ms: int | None = None
    end_ms: int | None = None


@attrs.frozen(eq=False)
class PairBuild:
    table: PairFeatures
    raw: RawFeatures
    fitted: Fit
    in_range: BoolArray  # loaded candles inside start/end
    rows: BoolArray  # loaded candles stored: in range and usable


class FeaturePipeline:
    """Candles to a pair's stored table, one overridable step per method."""

    def __init__(self, calculator: FeatureCalculator) -> None:
        self.calculator = calculator

    def build(self, pair: Pair, candles: Ohlcv, plan: PairPlan, extras: Mapping[str, FloatArray] | None = None,
              fitted: Fit | None = None) -> PairBuild:
        """``fitted`` replaces the fit (the leakage check keeps one fit while it cuts the candles)."""
        raw = self.raw(candles, plan.spec, extras)
        fitted = fitted or self.fit(raw, plan, pair.symbol)
        in_range = in_window(raw.open_time_ms, plan.start_ms, plan.end_ms)
        rows = in_range & raw.usable
        times = raw.open_time_ms[rows]
        table = PairFeatures(pair, times, contiguous_runs(times).run_id.astype(np.int32),
                             self.finish(raw, plan.spec, fitted, rows), self.labels(candles, raw, plan, rows))
        return PairBuild(table, raw, fitted, in_range, rows)

    def raw(self, candles: Ohlcv, spec: FeatureSpec, extras: Mapping[str, FloatArray] | None) -> RawFeatures:
        return raw_features(candles, spec, self.calculator, extras)

    def fit(self, raw: RawFeatures, plan: PairPlan, pair: str) -> Fit:
        return fit(raw, plan.spec, plan.fit_start_ms, plan.fit_end_ms, pair)

    def finish(self, raw: RawFeatures, spec: FeatureSpec, fitted: Fit, rows: BoolArray) -> dict[str, np.ndarray]:
        return finished_columns(raw, spec, fitted, rows)

    def labels(self, candles: Ohlcv, raw: RawFeatures, plan: PairPlan, rows: BoolArray) -> dict[str, np.ndarray]:
        return label_columns(candles, raw, plan, rows)


def label_columns(candles: Ohlcv, raw: RawFeatures, plan: PairPlan, rows: BoolArray) -> dict[str, np.ndarray]:
    """The stored labels of the selected rows. They read candles after each bar, so they are
    computed from the candles, after the features and from nothing the features read."""
    atr = raw.market[f"natr_{plan.spec.atr_period}"] * candles.close
    labels = make_labels(candles.close, raw.runs, plan.labels, atr)
    valid = labels.valid.copy()
    if plan.end_ms is not None:
        # a label must not read candles past the stored range: they may belong to the next period
        valid &= candles.open_time_ms + plan.labels.horizon * MINUTE_MS < plan.end_ms
    floats = {"label_return": labels.forward_return, "label_trend_atr": labels.trend_atr,
              "label_efficiency": labels.efficiency}
    out: dict[str, np.ndarray] = {"label_valid": valid[rows],
                                  "label_direction": np.where(valid, labels.direction, 0).astype(np.int8)[rows]}
    for name, values in floats.items():
        out[name] = np.where(valid, values, np.nan)[rows].astype(np.float32)
    return out


def ensure_candles(candles: Ohlcv, pair: str) -> None:
    if len(candles) == 0:
        raise FeatureSetError(f"{pair}: no candles stored in the requested range")
    try:
        contiguous_runs(candles.open_time_ms)
    except ValueError as exc:
        raise FeatureSetError(f"{pair}: stored candles are not usable ({exc})") from exc
