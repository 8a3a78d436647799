"""`tradeai model monitor` on a hand-made card, a small parquet feature set and a SQLite risk book
in tmp: its --json output, the alerts, the history it writes and the exit codes."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from adapters.features import ParquetFeatureStore
from adapters.sql import SqlOutcomeRepository, SqlSignalRepository, create_engine, upgrade
from domain.market.candles import Direction, Pair
from domain.models.cards import ModelCard
from domain.signals.signal import Mode, Signal, Tier
from domain.stats.outcomes import Result as Won
from domain.stats.outcomes import TradeOutcome
from entrypoints.cli.monitor import monitor
from tests.unit.monitor import builders as b


@pytest.fixture
def workspace(tmp_path: Path) -> dict[str, str]:
    rows = b.pair_rows(shift={"rv_60": 1.5})
    ParquetFeatureStore(tmp_path / "data" / "features").write("fs1", [rows], b.manifest(rows))
    (tmp_path / "models").mkdir()
    card = b.card(calibration_error=0.03, created_at=b.TRAIN_END)  # before Sunday 3 March: retraining due
    (tmp_path / "models" / f"{card.name}.json").write_text(json.dumps(card.as_dict()))
    url = f"sqlite:///{tmp_path}/risk.db"
    _risk_book(url, card.name, won=18, lost=12)
    return {"DATA_DIR": str(tmp_path / "data"), "MODEL_DIR": str(tmp_path / "models"), "DATABASE_URL": url,
            "NOTIFIER": "console", "LOG_LEVEL": "WARNING", "card": card.name, "root": str(tmp_path)}


def _risk_book(url: str, model: str, won: int, lost: int) -> None:
    engine = create_engine(url)
    upgrade(engine)
    signals, outcomes = SqlSignalRepository(engine), SqlOutcomeRepository(engine)
    for n in range(won + lost):
        at = b.NOW - timedelta(hours=n + 1)
        signals.add(Signal(signal_id=f"S{n}", pair=Pair(b.PAIR), direction=Direction.LONG, entry=100.0,
                           take_profit=103.0, stop_loss=98.0, confidence=0.7, tier=Tier.HIGH, created_at=at,
                           mode=Mode.LIVE, model_version=model))
        outcomes.record_outcome(TradeOutcome(signal_id=f"S{n}", result=Won.WIN if n < won else Won.LOSS,
                                             exit_time=at + timedelta(minutes=30), exit_price=101.0,
                                             r_realized=1.0 if n < won else -1.0))
    engine.dispose()


def _run(env: dict[str, str], *args: str) -> Result:
    settings_env = {k: v for k, v in env.items() if k.isupper()}
    return CliRunner().invoke(monitor, list(args), env=settings_env, catch_exceptions=False)


def test_json_output_states_every_trigger_with_its_figures(workspace) -> None:
    result = _run(workspace, "--model", workspace["card"], "--now", b.NOW.isoformat(), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    (model,) = payload["models"]
    statuses = {t["trigger"]: t["status"] for t in model["triggers"]}
    assert statuses == {"weekly_schedule": "fired", "validation_accuracy": "not_evaluated", "win_rate": "fired",
                        "calibration_error": "quiet", "feature_drift": "fired"}
    assert model["fired"] == ["weekly_schedule", "win_rate", "feature_drift"] and model["alerts_sent"] == 3
    drift = next(t for t in model["triggers"] if t["trigger"] == "feature_drift")["figures"]
    assert [d["feature"] for d in drift["drifted"]] == ["rv_60", "vol_regime"]
    assert drift["worst"]["n_recent"] == 168 and drift["alpha"] == 0.01 and drift["correction"] == "holm"
    win = next(t for t in model["triggers"] if t["trigger"] == "win_rate")["figures"]
    assert (win["trades"], win["wins"], win["win_rate"]) == (30, 18, 0.6)
    # the alerts went through the console notifier, on stderr: stdout is the JSON alone
    assert result.stderr.count("RETRAIN TRIGGER") == 3 and "win rate 60.0%" in result.stderr


def test_text_output_and_no_alert(workspace) -> None:
    result = _run(workspace, "--model", str(Path(workspace["MODEL_DIR"]) / f"{workspace['card']}.json"),
                  "--now", "2024-03-08", "--no-alert")
    assert result.exit_code == 0, result.output
    assert "fired weekly_schedule, win_rate, feature_drift" in result.stdout
    assert "  FIRED feature_drift" in result.stdout and "  ok    calibration_error" in result.stdout
    assert "RETRAIN TRIGGER" not in result.output


def test_promoted_models_are_the_default(workspace) -> None:
    models = Path(workspace["MODEL_DIR"])
    weights = models / f"{workspace['card']}.pt"
    weights.write_bytes(b"weights")
    (models / "promoted").mkdir()
    (models / "promoted" / "lstm_btc").symlink_to(weights)
    result = _run(workspace, "--now", b.NOW.isoformat(), "--json", "--no-alert")
    assert result.exit_code == 0, result.output
    assert [m["model"] for m in json.loads(result.stdout)["models"]] == [workspace["card"]]


def test_bad_input_exits_2(workspace) -> None:
    missing = _run(workspace, "--model", "nope.json")
    assert missing.exit_code == 2 and "no model card 'nope.json'" in missing.stderr
    assert _run(workspace).exit_code == 2  # nothing promoted, no --model
    broken = Path(workspace["root"]) / "broken.json"
    data = json.loads((Path(workspace["MODEL_DIR"]) / f"{workspace['card']}.json").read_text())
    broken.write_text(json.dumps({k: v for k, v in data.items() if k != "features"}))
    bad_card = _run(workspace, "--model", str(broken))
    assert bad_card.exit_code == 2 and "lacks features" in bad_card.stderr
    assert _run(workspace, "--model", workspace["card"], "--now", "yesterday").exit_code == 2
    bad_setting = _run({**workspace, "MONITOR_DRIFT_ALPHA": "1.5"}, "--model", workspace["card"])
    assert bad_setting.exit_code == 2 and "monitor.drift_alpha" in bad_setting.stderr


def test_unreadable_sources_exit_1_and_say_which(workspace, tmp_path: Path) -> None:
    card = ModelCard.from_dict({**b.card().as_dict(), "feature_set": "gone"})
    path = tmp_path / "gone.json"
    path.write_text(json.dumps(card.as_dict()))
    env = {**workspace, "DATABASE_URL": f"sqlite:///{tmp_path}/empty.db"}  # no schema: no risk book
    result = _run(env, "--model", str(path), "--now", b.NOW.isoformat(), "--json", "--no-alert")
    assert result.exit_code == 1
    (model,) = json.loads(result.stdout)["models"]
    assert model["errors"] == ["win_rate", "feature_drift"]
    summaries = {t["trigger"]: t["summary"] for t in model["triggers"]}
    assert "gone.json: no such feature set manifest" in summaries["feature_drift"]
    assert "risk book: cannot read closed trades" in summaries["win_rate"]


def test_the_history_file_is_written_beside_the_models(workspace) -> None:
    """With a scorer wired in, the days scored land in MODEL_DIR/monitor_history.jsonl."""
    import numpy as np

    from entrypoints.model_monitor import HISTORY_FILE, build_monitor, run_monitor
    from entrypoints.settings import load_settings
    from tests.fakes.monitor import FunctionScorer

    settings = load_settings(environ={k: v for k, v in workspace.items() if k.isupper()}).settings
    scorer = FunctionScorer(lambda rows: np.where(rows.labels["label_direction"] > 0, 0.4, 0.6))  # always wrong
    card = b.card()
    run = run_monitor(build_monitor(settings, scorer=scorer), card, Path("card.json"), b.NOW, None)
    accuracy = next(r for r in run.report.results if r.name.value == "validation_accuracy")
    assert accuracy.fired and run.report.days_scored == 6
    lines = (Path(workspace["MODEL_DIR"]) / HISTORY_FILE).read_text().splitlines()
    assert len(lines) == 6 and json.loads(lines[0]) == {"correct": 0, "day": "2024-03-01", "model": card.name,
                                                        "pair": b.PAIR, "samples": 1440}
