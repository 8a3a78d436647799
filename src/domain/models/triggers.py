"""Retraining triggers (the seed's schedule) as values: each holds its thresholds and answers with a
``TriggerResult`` that says whether it fired and on which figures, so a log line and an alert can
state them.

- ``WeeklySchedule``: a retraining is due every week (Sunday 00:00 UTC by default) for a model
  trained before the latest such moment.
- ``AccuracyStreak``: daily direction accuracy below 0.65 on 3 consecutive UTC days.
- ``WinRateFloor``: win rate below 65 % over the last closed trades, once there are 30 or more.
- ``CalibrationCeiling``: calibration error above 7 %.
- ``DriftTrigger``: a feature's distribution moved (KS test per feature and pair, Holm-corrected).

A trigger without enough data to decide is NOT_EVALUATED: it never fires, and says what it lacks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from domain.evaluation.figures import wilson_interval
from domain.market.candles import require_utc
from domain.models.drift import FeatureTest, corrected

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class TriggerName(StrEnum):
    SCHEDULE = "weekly_schedule"
    ACCURACY = "validation_accuracy"
    WIN_RATE = "win_rate"
    CALIBRATION = "calibration_error"
    DRIFT = "feature_drift"


class Status(StrEnum):
    FIRED = "fired"
    QUIET = "quiet"  # evaluated, below its threshold
    NOT_EVALUATED = "not_evaluated"  # too little data to decide; never fires
    ERROR = "error"  # its data could not be read (set by the use case, never by a trigger)


def _frozen(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


@attrs.frozen
class TriggerResult:
    name: TriggerName
    status: Status
    summary: str  # one line with the figures, for the log and the alert
    figures: Mapping[str, Any] = attrs.field(factory=dict, converter=_frozen)

    @property
    def fired(self) -> bool:
        return self.status is Status.FIRED

    def as_dict(self) -> dict[str, Any]:
        return {"trigger": self.name.value, "status": self.status.value, "fired": self.fired,
                "summary": self.summary, "figures": dict(self.figures)}


def _result(name: TriggerName, fired: bool, summary: str, figures: Mapping[str, Any]) -> TriggerResult:
    return TriggerResult(name, Status.FIRED if fired else Status.QUIET, summary, figures)


def _share(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not 0 <= value <= 1:
        raise ValueError(f"{attribute.name} must be a share in [0, 1], got {value}")


def _at_least_one(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, got {value}")


def _zone(instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{attribute.name} must be an IANA time zone such as UTC or Europe/Prague, "
                         f"got {value!r}") from None


@attrs.frozen
class WeeklySchedule:
    """Due at 00:00 of ``weekday`` (0 Monday .. 6 Sunday) in ``zone`` every week. UTC by default: the
    candles, the features and the splits all live in UTC, and crypto trades through the weekend."""

    weekday: int = attrs.field(default=6, validator=attrs.validators.in_(range(7)))
    zone: str = attrs.field(default="UTC", validator=_zone)

    def last_due(self, now: datetime) -> datetime:
        """The latest scheduled moment at or before ``now``."""
        local = require_utc(now, "now").astimezone(ZoneInfo(self.zone))
        day = local.date() - timedelta(days=(local.weekday() - self.weekday) % 7)
        return datetime.combine(day, time(0), ZoneInfo(self.zone)).astimezone(UTC)

    def evaluate(self, trained_at: datetime, now: datetime) -> TriggerResult:
        due = self.last_due(now)
        trained = require_utc(trained_at, "trained_at")
        fired = trained < due
        age = (now - trained) / timedelta(days=1)
        when = f"{WEEKDAYS[self.weekday].capitalize()} 00:00 {self.zone}"
        summary = (f"weekly retraining due since {due:%Y-%m-%d %H:%M} UTC ({when}); model trained "
                   f"{trained:%Y-%m-%d %H:%M} UTC, {age:.1f} days ago" if fired else
                   f"trained {trained:%Y-%m-%d %H:%M} UTC, after the last scheduled retraining "
                   f"({due:%Y-%m-%d %H:%M} UTC, {when})")
        return _result(TriggerName.SCHEDULE, fired, summary,
                       {"due_at": due.isoformat(), "trained_at": trained.isoformat(), "age_days": round(age, 3),
                        "weekday": WEEKDAYS[self.weekday], "zone": self.zone})


@attrs.frozen
class DailyAccuracy:
    """A model's direction calls on one pair over one UTC day: how many, how many right."""

    model: str
    pair: str
    day: date
    correct: int
    samples: int

    def __attrs_post_init__(self) -> None:
        if not 0 <= self.correct <= self.samples:
            raise ValueError(f"{self.model} {self.pair} {self.day}: need 0 <= correct <= samples, "
                             f"got {self.correct} of {self.samples}")

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.samples if self.samples else None

    def as_dict(self) -> dict[str, Any]:
        return {"model": self.model, "pair": self.pair, "day": self.day.isoformat(), "correct": self.correct,
                "samples": self.samples}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DailyAccuracy:
        return cls(str(data["model"]), str(data["pair"]), date.fromisoformat(str(data["day"])),
                   int(data["correct"]), int(data["samples"]))


@attrs.frozen
class AccuracyStreak:
    """Fires for a pair whose ``days`` latest consecutive UTC days (ending at its latest recorded day)
    each have at least ``min_samples`` calls and an accuracy below ``threshold``. A missing or thin
    day in that run leaves the pair NOT_EVALUATED (it never bridges a gap)."""

    threshold: float = attrs.field(default=0.65, validator=_share)
    days: int = attrs.field(default=3, validator=_at_least_one)
    min_samples: int = attrs.field(default=100, validator=_at_least_one)

    def evaluate(self, history: Sequence[DailyAccuracy]) -> TriggerResult:
        pairs = sorted({r.pair for r in history})
        if not pairs:
            return TriggerResult(TriggerName.ACCURACY, Status.NOT_EVALUATED,
                                 "no daily accuracy recorded yet", self._figures({}))
        verdicts = {pair: self._pair([r for r in history if r.pair == pair]) for pair in pairs}
        figures = self._figures({p: v[1] for p, v in verdicts.items()})
        fired = [p for p, v in verdicts.items() if v[0] is Status.FIRED]
        if fired:
            return TriggerResult(TriggerName.ACCURACY, Status.FIRED, "; ".join(verdicts[p][2] for p in fired), figures)
        if all(v[0] is Status.NOT_EVALUATED for v in verdicts.values()):
            return TriggerResult(TriggerName.ACCURACY, Status.NOT_EVALUATED,
                                 "; ".join(v[2] for v in verdicts.values()), figures)
        return TriggerResult(TriggerName.ACCURACY, Status.QUIET, "; ".join(v[2] for v in verdicts.values()), figures)

    def _figures(self, pairs: Mapping[str, Any]) -> dict[str, Any]:
        return {"threshold": self.threshold, "days": self.days, "min_samples": self.min_samples, "pairs": dict(pairs)}

    def _pair(self, records: Sequence[DailyAccuracy]) -> tuple[Status, list[dict[str, Any]], str]:
        by_day = {r.day: r for r in records}  # a later record of the same day wins
        last = max(by_day)
        run = [last - timedelta(days=k) for k in range(self.days - 1, -1, -1)]
        figures = [{"day": d.isoformat(), "accuracy": _round(by_day[d].accuracy) if d in by_day else None,
                    "samples": by_day[d].samples if d in by_day else 0} for d in run]
        pair = records[0].pair
        missing = [d for d in run if d not in by_day or by_day[d].samples < self.min_samples]
        if missing:
            return (Status.NOT_EVALUATED, figures, f"{pair}: {len(missing)} of the {self.days} days up to {last} "
                    f"missing or under {self.min_samples} calls ({', '.join(map(str, missing))})")
        accuracies = [by_day[d].accuracy or 0.0 for d in run]
        shown = ", ".join(f"{a:.3f}" for a in accuracies)
        if all(a < self.threshold for a in accuracies):
            return (Status.FIRED, figures, f"{pair}: accuracy {shown} on {run[0]}..{last}, each below "
                    f"{self.threshold:.2f} ({self.days} consecutive days)")
        return (Status.QUIET, figures,
                f"{pair}: accuracy {shown} on {run[0]}..{last} (not all below {self.threshold:.2f})")


@attrs.frozen
class WinRateFloor:
    """Fires when the win rate of the last closed trades is below ``threshold`` and they number at
    least ``min_trades`` (fewer say too little to act on)."""

    threshold: float = attrs.field(default=0.65, validator=_share)
    min_trades: int = attrs.field(default=30, validator=_at_least_one)

    def evaluate(self, results: Sequence[bool], scope: str) -> TriggerResult:
        n, wins = len(results), sum(bool(r) for r in results)
        figures: dict[str, Any] = {"trades": n, "wins": wins, "win_rate": _round(wins / n) if n else None,
                                   "threshold": self.threshold, "min_trades": self.min_trades, "scope": scope}
        if n < self.min_trades:
            return TriggerResult(TriggerName.WIN_RATE, Status.NOT_EVALUATED,
                                 f"{n} closed {scope} trades, {self.min_trades} needed", figures)
        low, high = wilson_interval(wins, n) or (0.0, 1.0)
        figures.update(wilson_low=_round(low), wilson_high=_round(high))
        rate = wins / n
        relation = "below" if rate < self.threshold else "at or above"
        return _result(TriggerName.WIN_RATE, rate < self.threshold,
                       f"win rate {rate:.1%} over the last {n} closed {scope} trades ({wins} won; Wilson 95 % "
                       f"{low:.1%}..{high:.1%}), {relation} {self.threshold:.0%}", figures)


@attrs.frozen
class CalibrationCeiling:
    """Fires when the calibration error (a share) is above ``threshold``."""

    threshold: float = attrs.field(default=0.07, validator=_share)

    def evaluate(self, error: float | None, source: str) -> TriggerResult:
        figures = {"calibration_error": None if error is None else _round(error), "threshold": self.threshold,
                   "source": source}
        if error is None:
            return TriggerResult(TriggerName.CALIBRATION, Status.NOT_EVALUATED, f"no calibration error in {source}",
                                 figures)
        relation = "above" if error > self.threshold else "within"
        return _result(TriggerName.CALIBRATION, error > self.threshold,
                       f"calibration error {error:.1%} ({source}), {relation} {self.threshold:.0%}", figures)


@attrs.frozen
class DriftTrigger:
    """Fires when any (pair, feature) test's Holm-adjusted p-value is below ``alpha``: the chance of
    one false alarm over all the tests of a run stays at most ``alpha`` (for independent samples).
    ``min_statistic`` (0: off) also asks the shift D to be at least that large: on real candles a
    week's volatility differs from a year's almost every week, however significant (README)."""

    alpha: float = attrs.field(default=0.01, validator=_share)
    min_statistic: float = attrs.field(default=0.0, validator=_share)
    shown: int = 5  # drifted features named in the summary (every one is in the figures)

    def evaluate(self, tests: Sequence[FeatureTest], window: Mapping[str, Any]) -> TriggerResult:
        figures: dict[str, Any] = {"alpha": self.alpha, "correction": "holm", "min_statistic": self.min_statistic,
                                   "tests": len(tests), **window}
        if not tests:
            return TriggerResult(TriggerName.DRIFT, Status.NOT_EVALUATED, "no feature could be tested", figures)
        ranked = corrected(tests)
        drifted = [t for t in ranked if (t.p_adjusted or 0.0) < self.alpha and t.statistic >= self.min_statistic]
        worst = ranked[0]
        figures.update(drifted=[t.as_dict() for t in drifted], worst=worst.as_dict(),
                       max_statistic=round(max(t.statistic for t in ranked), 6))
        floor = f", D >= {self.min_statistic:g}" if self.min_statistic else ""
        rule = f"KS, Holm-adjusted p < {self.alpha:g}{floor}"
        if drifted:
            named = ", ".join(f"{t.pair} {t.feature} (D {t.statistic:.3f}, p_holm {t.p_adjusted:.2g})"
                              for t in drifted[: self.shown])
            more = f" and {len(drifted) - self.shown} more" if len(drifted) > self.shown else ""
            return _result(TriggerName.DRIFT, True, f"{len(drifted)} of {len(tests)} features drifted "
                           f"({rule}): {named}{more}", figures)
        return _result(TriggerName.DRIFT, False, f"no drift in {len(tests)} features ({rule}): smallest Holm-adjusted "
                       f"p {worst.p_adjusted:.3g} ({worst.pair} {worst.feature}, D {worst.statistic:.3f}), "
                       f"largest D {figures['max_statistic']:.3f}", figures)


@attrs.frozen
class TriggerPolicy:
    """Every trigger with its thresholds (the settings choose them)."""

    schedule: WeeklySchedule = WeeklySchedule()
    accuracy: AccuracyStreak = AccuracyStreak()
    win_rate: WinRateFloor = WinRateFloor()
    calibration: CalibrationCeiling = CalibrationCeiling()
    drift: DriftTrigger = DriftTrigger()


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
