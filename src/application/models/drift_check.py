"""Feature drift of a model: for each of its pairs and features, the recent rows of a feature set
against the rows of the model's training window, by a two-sample KS test.

Minute rows are strongly autocorrelated (every feature is a rolling window of up to an hour), and
the KS p-value assumes independent values: both samples are thinned to rows whose open time lies
on a grid of ``stride_minutes`` (the same grid for both, whatever the window's start), which keeps
the p-value from claiming far more evidence than the data hold. It remains optimistic for slower
features; the statistic D is reported beside it as the size of the shift.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import attrs
import numpy as np

from application.models.monitor_data import (
    card_period,
    coverage_end_ms,
    normalizer_of,
    raw_values,
    same_fit,
    testable_columns,
)
from application.models.monitor_ports import FeatureWindows, KsPValue
from domain.market.candles import MINUTE_MS, datetime_to_ms, ms_to_datetime
from domain.models.cards import ModelCard
from domain.models.drift import FeatureTest, ks_statistic

DAY_MS = 1440 * MINUTE_MS


@attrs.frozen
class DriftWindow:
    """The recent sample is the last ``recent_days`` of data; both samples keep one row per
    ``stride_minutes``; a feature with fewer than ``min_samples`` values in either is not tested."""

    recent_days: int = attrs.field(default=7, validator=attrs.validators.ge(1))
    stride_minutes: int = attrs.field(default=60, validator=attrs.validators.ge(1))
    min_samples: int = attrs.field(default=50, validator=attrs.validators.ge(1))


@attrs.frozen
class DriftData:
    tests: tuple[FeatureTest, ...]
    figures: dict[str, Any]  # the windows compared and every feature left out, with why


class DriftCheck:
    def __init__(self, windows: FeatureWindows, ks: KsPValue, config: DriftWindow) -> None:
        self._windows = windows
        self._ks = ks
        self._config = config

    def __call__(self, card: ModelCard, recent_set: str, now: datetime) -> DriftData:
        train_start, train_end = card_period(card)
        reference = self._windows.manifest(card.feature_set)
        recent = reference if recent_set == card.feature_set else self._windows.manifest(recent_set)
        tests: list[FeatureTest] = []
        figures: dict[str, Any] = {
            "reference": {"set": card.feature_set, "start": _iso(train_start), "end": _iso(train_end)},
            "recent": {"set": recent_set, "days": self._config.recent_days},
            "stride_minutes": self._config.stride_minutes, "pairs": {}, "skipped": {}}
        for pair in card.pairs:
            end = min(datetime_to_ms(now), coverage_end_ms(recent, pair, recent_set))
            start = max(end - self._config.recent_days * DAY_MS, train_end)
            figures["pairs"][pair] = {"recent_start": _iso(start), "recent_end": _iso(end)}
            if start >= end:
                figures["skipped"][pair] = f"no rows of {recent_set} after the training window up to {_iso(end)}"
                continue
            columns, skipped = testable_columns(card, not same_fit(reference, recent, pair, "regime_thresholds"))
            figures["skipped"].update({f"{pair} {k}": v for k, v in skipped.items()})
            norms = (None, None) if same_fit(reference, recent, pair, "normalizer") else (
                normalizer_of(recent, pair, recent_set), normalizer_of(reference, pair, card.feature_set))
            every = self._config.stride_minutes * MINUTE_MS
            new = self._windows.window(recent_set, pair, start, end, columns, every)
            old = self._windows.window(card.feature_set, pair, train_start, train_end, columns, every)
            for column in columns:
                test = self._test(pair, column, raw_values(new, column, norms[0]), raw_values(old, column, norms[1]))
                if isinstance(test, str):
                    figures["skipped"][f"{pair} {column}"] = test
                else:
                    tests.append(test)
        return DriftData(tuple(tests), figures)

    def _test(self, pair: str, column: str, recent: np.ndarray, reference: np.ndarray) -> FeatureTest | str:
        x, y = recent[np.isfinite(recent)], reference[np.isfinite(reference)]
        if min(len(x), len(y)) < self._config.min_samples:
            return f"{len(x)} recent and {len(y)} reference values, {self._config.min_samples} needed in each"
        statistic = ks_statistic(x, y)
        return FeatureTest(pair, column, statistic, self._ks.p_value(statistic, len(x), len(y)), len(x), len(y))


def _iso(ms: int) -> str:
    return ms_to_datetime(ms).isoformat()

