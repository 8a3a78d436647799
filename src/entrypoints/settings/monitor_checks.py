"""The monitor settings as the domain's triggers and the monitor's configuration, and every
problem with them by key (each trigger validates its own thresholds)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from application.models.drift_check import DriftWindow
from application.models.monitor import MonitorConfig
from domain.models.triggers import (
    WEEKDAYS,
    AccuracyStreak,
    CalibrationCeiling,
    DriftTrigger,
    TriggerPolicy,
    WeeklySchedule,
    WinRateFloor,
)
from domain.signals.signal import Mode
from entrypoints.settings.issue import Issue
from entrypoints.settings.schema import MonitorSettings, Settings

# each part of the policy, built from the keys it reads
_PARTS: tuple[tuple[tuple[str, ...], Callable[[MonitorSettings], Any]], ...] = (
    (("retrain_weekday", "retrain_time_zone"),
     lambda m: WeeklySchedule(WEEKDAYS.index(m.retrain_weekday), m.retrain_time_zone)),
    (("min_daily_accuracy", "low_accuracy_days", "min_day_samples"),
     lambda m: AccuracyStreak(m.min_daily_accuracy, m.low_accuracy_days, m.min_day_samples)),
    (("min_win_rate", "min_trades"), lambda m: WinRateFloor(m.min_win_rate, m.min_trades)),
    (("max_calibration_error",), lambda m: CalibrationCeiling(m.max_calibration_error)),
    (("drift_alpha", "drift_min_statistic"), lambda m: DriftTrigger(m.drift_alpha, m.drift_min_statistic)),
    (("recent_days", "drift_stride_minutes", "drift_min_samples"),
     lambda m: DriftWindow(m.recent_days, m.drift_stride_minutes, m.drift_min_samples)),
    (("win_rate_trades",), lambda m: monitor_config(m)),
)


def monitor_problems(s: Settings) -> list[Issue]:
    problems: list[Issue] = []
    for keys, build in _PARTS:
        try:
            build(s.monitor)
        except ValueError as exc:
            problems.append(Issue(tuple(f"monitor.{k}" for k in keys), str(exc)))
    if s.monitor.win_rate_trades < s.monitor.min_trades:
        problems.append(Issue(("monitor.win_rate_trades", "monitor.min_trades"),
                              "win_rate_trades must be at least min_trades, or the trigger could never be evaluated"))
    return problems


def trigger_policy(m: MonitorSettings) -> TriggerPolicy:
    """ValueError on a bad threshold: the settings validation reports it first."""
    schedule, accuracy, win_rate, calibration, drift = (build(m) for _, build in _PARTS[:5])
    return TriggerPolicy(schedule, accuracy, win_rate, calibration, drift)


def monitor_config(m: MonitorSettings) -> MonitorConfig:
    mode = None if m.win_rate_mode == "any" else Mode(m.win_rate_mode)
    return MonitorConfig(DriftWindow(m.recent_days, m.drift_stride_minutes, m.drift_min_samples),
                         m.recent_feature_set or None, m.win_rate_trades, mode)
