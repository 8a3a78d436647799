"""The MONITOR_* settings: every threshold reaches its trigger, and a bad one is refused by key."""

from __future__ import annotations

import pytest

from domain.signals.signal import Mode
from entrypoints.settings import SettingsError, load_settings
from entrypoints.settings.monitor_checks import monitor_config, trigger_policy


def test_defaults_are_the_seeds_thresholds() -> None:
    m = load_settings(environ={}).settings.monitor
    policy, config = trigger_policy(m), monitor_config(m)
    assert (policy.schedule.weekday, policy.schedule.zone) == (6, "UTC")
    assert (policy.accuracy.threshold, policy.accuracy.days) == (0.65, 3)
    assert (policy.win_rate.threshold, policy.win_rate.min_trades) == (0.65, 30)
    assert policy.calibration.threshold == 0.07 and (policy.drift.alpha, policy.drift.min_statistic) == (0.01, 0.4)
    assert config.win_rate_mode is Mode.LIVE and config.recent_feature_set is None
    assert (config.drift.recent_days, config.drift.stride_minutes) == (7, 60)


def test_environment_sets_every_threshold() -> None:
    env = {"MONITOR_RETRAIN_WEEKDAY": "saturday", "MONITOR_RETRAIN_TIME_ZONE": "Europe/Prague",
           "MONITOR_MIN_DAILY_ACCURACY": "0.6", "MONITOR_LOW_ACCURACY_DAYS": "4", "MONITOR_MIN_WIN_RATE": "0.5",
           "MONITOR_MIN_TRADES": "40", "MONITOR_WIN_RATE_MODE": "any", "MONITOR_DRIFT_ALPHA": "0.05", "MONITOR_DRIFT_MIN_STATISTIC": "0.3",
           "MONITOR_RECENT_DAYS": "14", "MONITOR_RECENT_FEATURE_SET": "recent"}
    m = load_settings(environ=env).settings.monitor
    policy, config = trigger_policy(m), monitor_config(m)
    assert (policy.schedule.weekday, policy.schedule.zone) == (5, "Europe/Prague")
    assert (policy.accuracy.threshold, policy.accuracy.days, policy.win_rate.min_trades) == (0.6, 4, 40)
    assert (policy.drift.alpha, policy.drift.min_statistic) == (0.05, 0.3) and config.win_rate_mode is None and config.recent_feature_set == "recent"
    assert config.drift.recent_days == 14


@pytest.mark.parametrize(("env", "key"), [
    ({"MONITOR_MIN_WIN_RATE": "65"}, "monitor.min_win_rate"),
    ({"MONITOR_RETRAIN_TIME_ZONE": "Prague"}, "monitor.retrain_time_zone"),
    ({"MONITOR_RECENT_DAYS": "0"}, "monitor.recent_days"),
    ({"MONITOR_WIN_RATE_TRADES": "20"}, "monitor.win_rate_trades"),
    ({"MONITOR_RETRAIN_WEEKDAY": "sun"}, "monitor.retrain_weekday"),
])
def test_bad_thresholds_are_refused_by_key(env: dict[str, str], key: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(environ=env)
    assert key in str(caught.value)
