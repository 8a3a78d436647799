"""The runtime's daily check: every promoted model's triggers, alerted once a day, never stopping
the runtime on a broken card, a broken notifier or a failing check."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from adapters.features import ParquetFeatureStore
from entrypoints.model_monitor import DailyCheck, check_daily
from entrypoints.settings import load_settings
from tests.fakes.ports import RecordingNotifier
from tests.unit.monitor import builders as b


@pytest.fixture
def settings(tmp_path: Path):
    rows = b.pair_rows(shift={"ret_15": 1.5})
    ParquetFeatureStore(tmp_path / "data" / "features").write("fs1", [rows], b.manifest(rows))
    models = tmp_path / "models"
    (models / "promoted").mkdir(parents=True)
    card = b.card(created_at=b.NOW - timedelta(hours=1))
    (models / f"{card.name}.json").write_text(json.dumps(card.as_dict()))
    (models / f"{card.name}.pt").write_bytes(b"w")
    (models / "promoted" / "btc").symlink_to(models / f"{card.name}.pt")
    env = {"DATA_DIR": str(tmp_path / "data"), "MODEL_DIR": str(models),
           "DATABASE_URL": f"sqlite:///{tmp_path}/risk.db"}
    return load_settings(environ=env).settings


def test_check_daily_alerts_what_fired_for_every_promoted_model(settings) -> None:
    notifier = RecordingNotifier()
    with capture_logs() as logs:
        (run,) = check_daily(settings, b.NOW, notifier)
    events = {e["trigger"]: e for e in logs if e["event"] == "retrain_trigger"}
    assert len(events) == 5 and events["feature_drift"]["log_level"] == "warning"
    assert events["feature_drift"]["figures"]["drifted"][0]["feature"] == "ret_15"
    assert events["win_rate"]["log_level"] == "error" and events["calibration_error"]["log_level"] == "info"
    assert [r.name.value for r in run.report.fired] == ["feature_drift"]
    assert len(notifier.messages) == 1 and "ret_15" in notifier.messages[0]
    assert run.alerts_sent == 1 and run.report.errors[0].name.value == "win_rate"  # no risk book schema yet


def test_check_daily_skips_an_unreadable_card_and_survives_the_notifier(settings, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    runs = check_daily(settings, b.NOW, RecordingNotifier(fail_with=RuntimeError("telegram down")),
                       cards=[bad, *sorted((tmp_path / "models").glob("*.json"))])
    assert len(runs) == 1 and runs[0].alert_error == "RuntimeError: telegram down"


def test_daily_check_runs_once_per_utc_day() -> None:
    seen = []
    daily = DailyCheck(seen.append)
    moments = [b.NOW + timedelta(minutes=2 * k) for k in range(1500)]  # 50 hours of scans
    ran = [daily(m) for m in moments]
    assert sum(ran) == 3 and [m.date().day for m in seen] == [8, 9, 10]


def test_daily_check_logs_a_failing_check_and_goes_on() -> None:
    def broken(now):
        raise OSError("disk full")

    daily = DailyCheck(broken)
    assert daily(b.NOW) is True and daily(b.NOW + timedelta(days=1)) is True
