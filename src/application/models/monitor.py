"""Use case: evaluate every retraining trigger of one model (``tradeai model monitor`` and the
runtime's daily check).

For a model card it reads: the card's training time (weekly schedule) and validation calibration
error; the daily accuracy history, first scoring the recent complete days not in it yet when a
scorer for the model is at hand; the last closed trades of the model in the risk book; and the
recent rows of a feature set against the training window's (drift). A source that cannot be read
turns only its trigger into an ERROR result; the others are still evaluated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs

from application.features.ports import FeatureSetError
from application.models.daily_accuracy import DailyScoring
from application.models.drift_check import DriftCheck, DriftWindow
from application.models.monitor_ports import (
    AccuracyHistory,
    ClosedTrades,
    FeatureScorer,
    FeatureWindows,
    KsPValue,
    MonitorSourceError,
)
from domain.market.candles import require_utc
from domain.models.cards import CALIBRATION_ERROR, VALIDATION, ModelCard
from domain.models.triggers import Status, TriggerName, TriggerPolicy, TriggerResult
from domain.signals.signal import Mode

_SOURCE_ERRORS = (FeatureSetError, MonitorSourceError)
_SCOPES = {None: "dry-run and live", Mode.LIVE: "live", Mode.DRYRUN: "dry-run"}


@attrs.frozen
class MonitorConfig:
    drift: DriftWindow = attrs.Factory(DriftWindow)
    recent_feature_set: str | None = None  # None: the model's own feature set
    win_rate_trades: int = attrs.field(default=100, validator=attrs.validators.ge(1))  # the last N closed trades
    win_rate_mode: Mode | None = Mode.LIVE  # the seed's live or micro-lot trades; None counts dry-run too


@attrs.frozen
class MonitorReport:
    model: str
    now: datetime
    results: tuple[TriggerResult, ...]
    days_scored: int  # daily accuracies added to the history by this run

    @property
    def fired(self) -> tuple[TriggerResult, ...]:
        return tuple(r for r in self.results if r.fired)

    @property
    def errors(self) -> tuple[TriggerResult, ...]:
        return tuple(r for r in self.results if r.status is Status.ERROR)

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "now": self.now.isoformat(), "fired": [r.name.value for r in self.fired],
                "errors": [r.name.value for r in self.errors], "days_scored": self.days_scored,
                "triggers": [r.as_dict() for r in self.results]}


class MonitorModel:
    def __init__(self, *, windows: FeatureWindows, ks: KsPValue, history: AccuracyHistory, trades: ClosedTrades,
                 policy: TriggerPolicy | None = None, config: MonitorConfig | None = None,
                 scorer: FeatureScorer | None = None) -> None:
        self._windows = windows
        self._history = history
        self._trades = trades
        self._policy = policy or TriggerPolicy()
        self._config = config or MonitorConfig()
        self._scorer = scorer
        self._drift = DriftCheck(windows, ks, self._config.drift)

    def __call__(self, card: ModelCard, now: datetime, versions: Sequence[str] = ()) -> MonitorReport:
        """``versions``: further names the risk book records this model's trades under (a registry tag)."""
        now = require_utc(now, "now")
        scored: list[int] = [0]
        results = (
            self._policy.schedule.evaluate(card.created_at, now),
            _guarded(TriggerName.ACCURACY, lambda: self._accuracy(card, now, scored)),
            _guarded(TriggerName.WIN_RATE, lambda: self._win_rate(card, now, versions)),
            self._policy.calibration.evaluate(card.metrics.get(VALIDATION, {}).get(CALIBRATION_ERROR),
                                              "the card's validation figure"),
            _guarded(TriggerName.DRIFT, lambda: self._feature_drift(card, now)),
        )
        return MonitorReport(card.name, now, results, scored[0])

    def recent_set(self, card: ModelCard) -> str:
        return self._config.recent_feature_set or card.feature_set

    def _accuracy(self, card: ModelCard, now: datetime, scored: list[int]) -> TriggerResult:
        if self._scorer is not None:
            added = DailyScoring(self._windows, self._scorer, self._history)(
                card, self.recent_set(card), now, self._config.drift.recent_days)
            scored[0] = len(added)
        complete = [r for r in self._history.read(card.name) if _day_end(r.day) <= now]
        result = self._policy.accuracy.evaluate(complete)
        figures = {**result.figures, "scorer": self._scorer is not None, "days_scored": scored[0]}
        summary = result.summary if self._scorer is not None else f"{result.summary} (no scorer for this model: " \
                                                                    "only days already in the history)"
        return attrs.evolve(result, summary=summary, figures=figures)

    def _win_rate(self, card: ModelCard, now: datetime, versions: Sequence[str]) -> TriggerResult:
        names = (card.name, *versions)
        results = self._trades.last_results(self._config.win_rate_trades, names, self._config.win_rate_mode, now)
        result = self._policy.win_rate.evaluate(results, _SCOPES[self._config.win_rate_mode])
        return attrs.evolve(result, figures={**result.figures, "model_versions": list(names),
                                             "last_n": self._config.win_rate_trades})

    def _feature_drift(self, card: ModelCard, now: datetime) -> TriggerResult:
        data = self._drift(card, self.recent_set(card), now)
        return self._policy.drift.evaluate(data.tests, data.figures)


def _guarded(name: TriggerName, evaluate: Callable[[], TriggerResult]) -> TriggerResult:
    try:
        return evaluate()
    except _SOURCE_ERRORS as exc:
        return TriggerResult(name, Status.ERROR, f"could not be evaluated: {exc}", {"error": str(exc)})


def _day_end(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC) + timedelta(days=1)
