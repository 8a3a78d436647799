"""The one feature pipeline: raw features of a pair's candles, the fit on the training window
and the finished (normalized) columns. The build and the leakage check both call these
functions, so what is checked is what is stored."""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import numpy as np
import numpy.typing as npt

from application.ports_features import FeatureCalculator, FeatureSetError
from domain.data_quality import Ohlcv
from domain.features import (
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
from domain.features_normalize import Normalizer
from domain.market import FloatArray, IntArray
from domain.regimes import RegimeThresholds
from domain.sessions import SESSIONS, session_masks

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


def ensure_candles(candles: Ohlcv, pair: str) -> None:
    if len(candles) == 0:
        raise FeatureSetError(f"{pair}: no candles stored in the requested range")
    try:
        contiguous_runs(candles.open_time_ms)
    except ValueError as exc:
        raise FeatureSetError(f"{pair}: stored candles are not usable ({exc})") from exc
