"""The model's direction accuracy per UTC day on recent feature rows, appended to the history the
accuracy trigger reads.

A day is scored once, when the feature set covers it whole, labels included (its last bar's label
needs ``horizon`` minutes after midnight), and only after the model's training window. A call is
up when P(up) > 0.5 and down when below; rows with P(up) exactly 0.5, no score, no valid label or a
flat move (label 0) are not calls.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import numpy as np

from application.features.ports import PairFeatures
from application.models.monitor_data import (
    card_period,
    coverage_end_ms,
    normalizer_of,
    regime_thresholds_of,
    rescaled,
    same_fit,
)
from application.models.monitor_ports import AccuracyHistory, FeatureScorer, FeatureWindows
from domain.features.definitions import REGIME_COLUMN
from domain.market.candles import MINUTE_MS, datetime_to_ms, ms_to_datetime
from domain.models.cards import ModelCard
from domain.models.triggers import DailyAccuracy

DAY_MS = 1440 * MINUTE_MS
LABELS = ("label_direction", "label_valid")


class DailyScoring:
    def __init__(self, windows: FeatureWindows, scorer: FeatureScorer, history: AccuracyHistory) -> None:
        self._windows = windows
        self._scorer = scorer
        self._history = history

    def __call__(self, card: ModelCard, recent_set: str, now: datetime, recent_days: int) -> list[DailyAccuracy]:
        """Score the days of the last ``recent_days`` not yet in the history; return what was appended."""
        done = {(r.pair, r.day) for r in self._history.read(card.name)}
        added: list[DailyAccuracy] = []
        for pair in card.pairs:
            for day in self._days(card, recent_set, pair, now, recent_days):
                if (pair, day) not in done:
                    added.append(self._score(card, recent_set, pair, day))
        if added:
            self._history.append(added)
        return added

    def _days(self, card: ModelCard, recent_set: str, pair: str, now: datetime, recent_days: int) -> list[date]:
        horizon = card.horizon_minutes * MINUTE_MS
        covered = coverage_end_ms(self._windows.manifest(recent_set), pair, recent_set) - horizon
        end = min(datetime_to_ms(now), covered)
        first = max(_day_ceiling(end - recent_days * DAY_MS), _day_ceiling(card_period(card)[1]))
        return [ms_to_datetime(t).date() for t in range(first, end - DAY_MS + 1, DAY_MS)]

    def _score(self, card: ModelCard, recent_set: str, pair: str, day: date) -> DailyAccuracy:
        start = datetime_to_ms(datetime(day.year, day.month, day.day, tzinfo=UTC))
        history = (card.window + 1) * MINUTE_MS  # the bars the model reads before the day's first call
        columns = (*card.features, *self._regime_input(card), *LABELS)
        rows = self._windows.window(recent_set, pair, start - history, start + DAY_MS, columns)
        scaled = self._in_model_scale(card, recent_set, pair, rows)
        rows = PairFeatures(scaled.pair, scaled.open_time_ms, scaled.segment,
                            {name: scaled.features[name] for name in card.features}, scaled.labels)
        p = np.asarray(self._scorer.up_probability(card, rows), dtype=np.float64)
        if p.shape != rows.open_time_ms.shape:
            raise ValueError(f"scorer returned {p.shape[0]} scores for {len(rows)} rows of {pair} on {day}")
        label = np.asarray(rows.labels["label_direction"])
        calls = ((rows.open_time_ms >= start) & np.asarray(rows.labels["label_valid"], dtype=bool)
                 & (label != 0) & np.isfinite(p) & (p != 0.5))
        correct = int(np.count_nonzero(((p > 0.5) == (label > 0)) & calls))
        return DailyAccuracy(card.name, pair, day, correct, int(np.count_nonzero(calls)))

    def _in_model_scale(self, card: ModelCard, recent_set: str, pair: str, rows: PairFeatures) -> PairFeatures:
        if recent_set == card.feature_set:
            return rows
        trained, recent = self._windows.manifest(card.feature_set), self._windows.manifest(recent_set)
        if same_fit(trained, recent, pair):
            return rows
        return rescaled(rows, normalizer_of(recent, pair, recent_set), normalizer_of(trained, pair, card.feature_set),
                        regime_thresholds_of(trained, pair, card.feature_set))

    def _regime_input(self, card: ModelCard) -> tuple[str, ...]:
        """The raw column the volatility regime is cut from, when the model reads the regime and not it."""
        if REGIME_COLUMN not in card.features:
            return ()
        column = regime_thresholds_of(self._windows.manifest(card.feature_set), card.pairs[0], card.feature_set).column
        return () if column in card.features else (column,)


def _day_ceiling(ms: int) -> int:
    """The first UTC midnight at or after ``ms``."""
    return -(-ms // DAY_MS) * DAY_MS

