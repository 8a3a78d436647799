"""The monitor use case over in-memory ports: every trigger evaluated, drift on shifted data only,
daily accuracies scored once into the history, sources that fail reported as errors."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import attrs
import numpy as np
import pytest

from adapters.scipy_stats import ScipyKsPValue
from application.features.ports import PairFeatures
from application.models.drift_check import DriftWindow
from application.models.monitor import MonitorConfig, MonitorModel
from application.models.monitor_alerts import alert_fired
from domain.market.candles import MINUTE_MS, datetime_to_ms
from domain.models.triggers import DailyAccuracy, Status, TriggerName
from domain.signals.signal import Mode
from tests.fakes.monitor import FunctionScorer, InMemoryAccuracyHistory, InMemoryClosedTrades, InMemoryFeatureWindows
from tests.fakes.ports import RecordingNotifier
from tests.unit.monitor import builders as b


def _windows(rows: PairFeatures, name: str = "fs1", **manifest_args: float) -> InMemoryFeatureWindows:
    windows = InMemoryFeatureWindows()
    windows.add(name, b.manifest(rows, name, **manifest_args), [rows])
    return windows


def _monitor(windows: InMemoryFeatureWindows, *, history: InMemoryAccuracyHistory | None = None,
             trades: InMemoryClosedTrades | None = None, scorer: FunctionScorer | None = None,
             config: MonitorConfig | None = None) -> MonitorModel:
    return MonitorModel(windows=windows, ks=ScipyKsPValue(), history=history or InMemoryAccuracyHistory(),
                        trades=trades or InMemoryClosedTrades(), config=config, scorer=scorer)


def _by_name(report, name: TriggerName):
    return next(r for r in report.results if r.name is name)


def test_drift_does_not_fire_on_an_unshifted_series() -> None:
    report = _monitor(_windows(b.pair_rows()))(b.card(), b.NOW)
    drift = _by_name(report, TriggerName.DRIFT)
    assert drift.status is Status.QUIET, drift.summary
    assert drift.figures["tests"] == 4  # ret_15, rv_60, volume_z_60, vol_regime; hour_sin is a clock column
    assert drift.figures["skipped"]["BTCUSDT hour_sin"] == "a function of the clock, not of the market"
    assert drift.figures["worst"]["n_recent"] == 168 and drift.figures["worst"]["n_reference"] == 60 * 24


def test_drift_fires_on_a_shifted_series_and_names_the_feature() -> None:
    report = _monitor(_windows(b.pair_rows(shift={"volume_z_60": 0.6})))(b.card(), b.NOW)
    drift = _by_name(report, TriggerName.DRIFT)
    assert drift.status is Status.FIRED, drift.summary
    assert [d["feature"] for d in drift.figures["drifted"]] == ["volume_z_60"]
    assert drift.figures["worst"]["p_adjusted"] < 0.01 and drift.figures["worst"]["statistic"] > 0.15
    assert "volume_z_60" in drift.summary and report.fired == (drift,)


def test_drift_against_a_recent_set_fitted_differently_compares_raw_values() -> None:
    """The recent set scaled the same market with another normalizer: no drift, once inverted."""
    train = b.pair_rows()
    recent = b.pair_rows(seed=7)
    scaled = {n: (v - 0.5) / 2.0 if n in b.MARKET else v for n, v in recent.features.items()}
    rescaled = PairFeatures(recent.pair, recent.open_time_ms, recent.segment, scaled, recent.labels)
    windows = _windows(train)
    windows.add("recent", {**b.manifest(rescaled, "recent", mean=0.5, std=2.0)}, [rescaled])
    config = MonitorConfig(recent_feature_set="recent")
    drift = _by_name(_monitor(windows, config=config)(b.card(), b.NOW), TriggerName.DRIFT)
    plain = _by_name(_monitor(_windows(train))(b.card(), b.NOW), TriggerName.DRIFT)
    assert drift.status is Status.QUIET, drift.summary
    # the same raw values as comparing the set with itself: the same statistics
    assert [d["statistic"] for d in (drift.figures["worst"],)] == [plain.figures["worst"]["statistic"]]
    assert drift.figures["max_statistic"] == pytest.approx(plain.figures["max_statistic"], abs=1e-9)
    assert "BTCUSDT vol_regime" not in drift.figures["skipped"]  # same thresholds: still tested


def test_drift_recent_window_never_reaches_into_training() -> None:
    config = MonitorConfig(drift=DriftWindow(recent_days=7))
    drift = _by_name(_monitor(_windows(b.pair_rows()), config=config)(b.card(), b.TRAIN_END), TriggerName.DRIFT)
    assert drift.status is Status.NOT_EVALUATED
    assert "no rows of fs1 after the training window" in drift.figures["skipped"]["BTCUSDT"]


def _scorer_right_on(share_by_day: dict[date, float]) -> FunctionScorer:
    """Right on the first ``share`` of each day's rows (by minute of day), wrong on the rest."""
    def score(rows: PairFeatures) -> np.ndarray:
        label = rows.labels["label_direction"]
        minute = (rows.open_time_ms % (1440 * MINUTE_MS)) // MINUTE_MS
        day = [datetime.fromtimestamp(t / 1000, UTC).date() for t in rows.open_time_ms]
        share = np.array([share_by_day.get(d, 0.9) for d in day])
        right = minute < share * 1440
        return np.where((label > 0) == right, 0.8, 0.2)
    return FunctionScorer(score)


def test_daily_accuracy_is_scored_once_per_complete_day_and_three_low_days_fire() -> None:
    days = {date(2024, 3, d): 0.6 for d in (4, 5, 6)}
    scorer, history = _scorer_right_on(days), InMemoryAccuracyHistory()
    monitor = _monitor(_windows(b.pair_rows()), history=history, scorer=scorer)
    report = monitor(b.card(), b.NOW)
    # complete days after training up to the last label: 1..6 March (7 March's last labels need 8 March)
    assert [r.day.day for r in history.records] == [1, 2, 3, 4, 5, 6] and report.days_scored == 6
    assert history.records[3].accuracy == pytest.approx(0.6, abs=0.002)
    assert history.records[0].samples == 1440 and history.records[0].accuracy == pytest.approx(0.9, abs=0.002)
    accuracy = _by_name(report, TriggerName.ACCURACY)
    assert accuracy.status is Status.FIRED and "2024-03-04..2024-03-06" in accuracy.summary
    again = monitor(b.card(), b.NOW)
    assert again.days_scored == 0 and len(history.records) == 6  # nothing scored twice


def test_two_low_days_scored_do_not_fire() -> None:
    scorer = _scorer_right_on({date(2024, 3, 5): 0.6, date(2024, 3, 6): 0.6})
    report = _monitor(_windows(b.pair_rows()), scorer=scorer)(b.card(), b.NOW)
    assert _by_name(report, TriggerName.ACCURACY).status is Status.QUIET


def test_accuracy_without_a_scorer_reads_the_history_only() -> None:
    history = InMemoryAccuracyHistory()
    history.append([DailyAccuracy(b.card().name, b.PAIR, date(2024, 3, d), 600, 1000) for d in (5, 6, 7)])
    report = _monitor(_windows(b.pair_rows()), history=history)(b.card(), b.NOW)
    accuracy = _by_name(report, TriggerName.ACCURACY)
    assert accuracy.status is Status.FIRED and "no scorer for this model" in accuracy.summary
    assert accuracy.figures["scorer"] is False
    # a day not over yet at `now` is not read
    early = _monitor(_windows(b.pair_rows()), history=history)(b.card(), datetime(2024, 3, 7, 12, tzinfo=UTC))
    assert _by_name(early, TriggerName.ACCURACY).status is Status.NOT_EVALUATED


def test_win_rate_counts_only_this_models_trades_of_the_chosen_mode() -> None:
    name = b.card().name
    t0 = b.NOW - timedelta(days=1)
    trades = [(name, Mode.LIVE, t0 - timedelta(minutes=i), i % 5 < 3) for i in range(40)]  # 60 % won
    trades += [(name, Mode.DRYRUN, t0, True)] * 50 + [("other", Mode.LIVE, t0, True)] * 50
    report = _monitor(_windows(b.pair_rows()), trades=InMemoryClosedTrades(trades))(b.card(), b.NOW)
    win = _by_name(report, TriggerName.WIN_RATE)
    assert win.status is Status.FIRED and win.figures["trades"] == 40 and win.figures["win_rate"] == 0.6
    assert win.figures["scope"] == "live" and win.figures["model_versions"] == [name]
    tagged = [("v1.0.0", Mode.LIVE, t0, False)] * 40
    report = _monitor(_windows(b.pair_rows()), trades=InMemoryClosedTrades(tagged))(b.card(), b.NOW, ["v1.0.0"])
    assert _by_name(report, TriggerName.WIN_RATE).figures["trades"] == 40


def test_calibration_and_schedule_come_from_the_card() -> None:
    card = b.card(calibration_error=0.09, created_at=datetime(2024, 3, 2, tzinfo=UTC))
    report = _monitor(_windows(b.pair_rows()))(card, b.NOW)  # 8 March 2024 is a Friday, 3 March a Sunday
    assert _by_name(report, TriggerName.CALIBRATION).status is Status.FIRED
    assert _by_name(report, TriggerName.SCHEDULE).status is Status.FIRED
    assert [r.name for r in report.results] == list(TriggerName)


def test_a_source_that_cannot_be_read_is_an_error_for_its_trigger_only() -> None:
    from application.models.monitor_ports import MonitorSourceError

    report = _monitor(InMemoryFeatureWindows(), trades=InMemoryClosedTrades(broken=True),
                      history=InMemoryAccuracyHistory(MonitorSourceError("history: disk gone")))(b.card(), b.NOW)
    statuses = {r.name: r.status for r in report.results}
    assert statuses[TriggerName.DRIFT] is Status.ERROR and statuses[TriggerName.WIN_RATE] is Status.ERROR
    assert statuses[TriggerName.ACCURACY] is Status.ERROR and statuses[TriggerName.CALIBRATION] is Status.QUIET
    assert "fs1: no such feature set" in _by_name(report, TriggerName.DRIFT).summary
    assert report.as_dict()["errors"] == ["validation_accuracy", "win_rate", "feature_drift"]


def test_fired_triggers_are_alerted_with_their_figures() -> None:
    notifier = RecordingNotifier()
    card = attrs.evolve(b.card(calibration_error=0.09), created_at=b.NOW - timedelta(hours=1))
    report = _monitor(_windows(b.pair_rows(shift={"ret_15": 1.0})))(card, b.NOW)
    assert alert_fired(report, notifier) == 2
    calibration, drift = sorted(notifier.messages)
    assert "calibration_error" in calibration and "9.0%" in calibration and card.name in calibration
    assert "feature_drift" in drift and "ret_15" in drift and "2024-03-08 00:00 UTC" in drift


def test_recent_window_ends_at_the_data_when_now_is_later() -> None:
    later = b.NOW + timedelta(days=30)
    drift = _by_name(_monitor(_windows(b.pair_rows()))(b.card(), later), TriggerName.DRIFT)
    assert drift.figures["pairs"]["BTCUSDT"]["recent_end"] == b.DATA_END.isoformat()
    assert datetime_to_ms(b.DATA_END) - datetime_to_ms(b.NOW) == 0


def test_scorer_gets_recent_rows_in_the_models_own_scale() -> None:
    """A recent set fitted on another window is re-scaled with the model's normalizer and its
    regime re-cut with the model's thresholds before the model sees it."""
    original = b.pair_rows()
    scaled = {n: (v - 0.5) / 2.0 if n in b.MARKET else v for n, v in original.features.items()}
    scaled["vol_regime"] = np.zeros_like(original.features["vol_regime"])  # cut with other thresholds
    recent = PairFeatures(original.pair, original.open_time_ms, original.segment, scaled, original.labels)
    windows = _windows(original)
    other = b.manifest(recent, "recent", mean=0.5, std=2.0)
    other["pairs"][b.PAIR]["regime_thresholds"] = {"column": "rv_60", "low": 5.0, "high": 6.0}
    windows.add("recent", other, [recent])
    by_time = {int(t): i for i, t in enumerate(original.open_time_ms)}

    def score(rows: PairFeatures) -> np.ndarray:
        index = np.array([by_time[int(t)] for t in rows.open_time_ms])
        assert list(rows.features) == list(b.FEATURES)
        for name in (*b.MARKET, "vol_regime"):
            assert np.allclose(rows.features[name], original.features[name][index]), name
        return np.full(len(rows), 0.7)

    scorer = FunctionScorer(score)
    _monitor(windows, scorer=scorer, config=MonitorConfig(recent_feature_set="recent"))(b.card(), b.NOW)
    assert scorer.calls == 6
