"""Ports the model monitor drives: parts of stored feature sets, the KS p-value, the model's
scores on feature rows, the daily accuracy history and the risk book's closed trades.

Kept apart from ``ports.py`` (predictor, deployments) so the monitor and the registry grow
without touching each other's file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Protocol

from application.features.ports import PairFeatures
from domain.market.candles import FloatArray
from domain.models.cards import ModelCard
from domain.models.triggers import DailyAccuracy
from domain.signals.signal import Mode


class MonitorSourceError(Exception):
    """A source the monitor reads (history, risk book) could not be read; the message says which,
    without secrets."""


class FeatureWindows(Protocol):
    def manifest(self, name: str) -> Mapping[str, Any]:
        """The feature set's manifest; FeatureSetError when the set is missing or unreadable."""
        ...

    def window(self, name: str, pair: str, start_ms: int, end_ms: int, columns: Sequence[str],
               every_ms: int | None = None) -> PairFeatures:
        """Rows of ``pair`` with open times ``start_ms <= t < end_ms`` in time order, only the
        ``columns`` asked (each lands in ``features`` or ``labels`` as the manifest files it); with
        ``every_ms`` only rows whose open time is a multiple of it. FeatureSetError names the set
        and the column when one is missing."""
        ...


class KsPValue(Protocol):
    def p_value(self, statistic: float, n: int, m: int) -> float:
        """Two-sided p-value of the two-sample KS statistic for samples of ``n`` and ``m`` values."""
        ...


class FeatureScorer(Protocol):
    def up_probability(self, card: ModelCard, features: PairFeatures) -> FloatArray:
        """P(close[t + horizon] > close[t]) for every row of ``features`` (normalized as the card's
        feature set), NaN where the row lacks the contiguous history the model's window needs."""
        ...


class AccuracyHistory(Protocol):
    def append(self, records: Sequence[DailyAccuracy]) -> None:
        """Add records durably; a crash loses at most the records being written, never older ones."""
        ...

    def read(self, model: str) -> Sequence[DailyAccuracy]:
        """The records of ``model`` in the order written (a later record of the same day wins)."""
        ...


class ClosedTrades(Protocol):
    def last_results(self, limit: int, model_versions: Sequence[str], mode: Mode | None,
                     until: datetime) -> Sequence[bool]:
        """Won or not for the last ``limit`` closed risk-book trades of those model versions
        (``mode`` None: dry-run and live), exited at or before ``until``, newest first."""
        ...
