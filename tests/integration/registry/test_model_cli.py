"""`tradeai model` end to end in tmp (MODEL_DIR and a SQLite store): exit codes 0/1/2, --json,
every failed gate listed on refusal, the challenge gate not run when the validation backtest cannot serve the model, research
promotions and rollback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from entrypoints.cli import cli
from tests.unit.registry.builders import card, write_model


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"MODEL_DIR": str(tmp_path / "models"), "DATABASE_URL": f"sqlite:///{tmp_path}/store.db",
            "STORE_BACKEND": "sqlite", "TRADEAI_MODE": "dryrun"}


def run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, ["model", *args], env=env, catch_exceptions=False)


def test_list_of_an_empty_registry(env) -> None:
    result = run(env, "list")
    assert result.exit_code == 0 and "no model is registered yet" in result.stdout
    assert json.loads(run(env, "list", "--json").stdout)["models"] == {}


def test_register_show_and_list(env) -> None:
    path = write_model(Path(env["MODEL_DIR"]), card(1))
    result = run(env, "register", str(path), "--json")
    assert result.exit_code == 0, result.output
    registered = json.loads(result.stdout)
    assert (registered["tag"], registered["role"], registered["file"]) == ("v1.0.0", "lstm_btc", path.name)
    shown = json.loads(run(env, "show", "v1.0.0", "--json").stdout)
    assert shown["sha256"] == registered["sha256"] and shown["serving"] is False
    text = run(env, "show", "1.0.0").stdout
    assert "v1.0.0  lstm_btc  registered" in text and "validation:" in text
    table = run(env, "list").stdout.splitlines()
    assert table[0].split() == ["TAG", "ROLE", "STATUS", "VAL", "ACCURACY", "CAL", "ERR", "REGISTERED", "FILE"]
    assert table[1].split()[:5] == ["v1.0.0", "lstm_btc", "registered", "BTC", "0.710"]


def test_bad_input_exits_2(env, tmp_path: Path) -> None:
    models = Path(env["MODEL_DIR"])
    path = write_model(models, card(1))
    assert run(env, "register", str(path)).exit_code == 0
    other = write_model(models, card(2))
    taken = run(env, "register", str(other), "--tag", "v1.0.0")
    assert taken.exit_code == 2 and "v1.0.0 already names other weights" in taken.stderr
    assert run(env, "register", str(other), "--tag", "v1.0").exit_code == 2
    outside = run(env, "register", str(write_model(tmp_path / "elsewhere", card(3))))
    assert outside.exit_code == 2 and "is not in the models folder" in outside.stderr
    missing = run(env, "register", str(models / "nope.pt"))
    assert missing.exit_code == 2 and "nope.pt: no such model file" in missing.stderr
    unknown = run(env, "show", "v9.0.0")
    assert unknown.exit_code == 2 and "no model is registered as v9.0.0 (registered: v1.0.0)" in unknown.stderr
    assert run(env, "rollback", "v1.0.0").exit_code == 2  # --reason is required


CANNOT_SERVE = "the model cannot be served for its validation backtest: "


def test_promote_is_refused_with_every_failed_gate_listed(env) -> None:
    path = write_model(Path(env["MODEL_DIR"]), card(1, accuracy=0.55, calibration=0.08))
    run(env, "register", str(path))
    result = run(env, "promote", "v1.0.0")
    assert result.exit_code == 1
    assert "refused: v1.0.0 is not promoted" in result.stderr
    assert "  - promotion: BTCUSDT validation accuracy 0.55 < 0.68" in result.stderr
    assert "  - promotion: tier calibration MAE 0.08 > 0.05" in result.stderr
    # the builders' weights are not a network: the validation backtest cannot serve them, and says so
    assert f"  - challenge: not run ({CANNOT_SERVE}" in result.stderr and "which is not a pass" in result.stderr
    payload = json.loads(run(env, "promote", "v1.0.0", "--json").stdout)
    assert payload["promoted"] is False and len(payload["failures"]) == 3
    assert [v["verdict"] for v in payload["verdicts"]] == ["failed", "not_run"]
    assert json.loads(run(env, "list", "--json").stdout)["promoted"] == {}


def test_even_a_model_with_good_metrics_is_refused_when_it_cannot_be_backtested(env) -> None:
    run(env, "register", str(write_model(Path(env["MODEL_DIR"]), card(1, accuracy=0.75))))
    result = run(env, "promote", "v1.0.0")
    assert result.exit_code == 1
    assert result.stderr.count("  - ") == 1 and CANNOT_SERVE in result.stderr


def test_research_promotion_then_rollback(env) -> None:
    models = Path(env["MODEL_DIR"])
    for seed, tag in ((1, "v1.0.0"), (2, "v1.1.0")):
        assert run(env, "register", str(write_model(models, card(seed))), "--tag", tag).exit_code == 0
    first = run(env, "promote", "v1.0.0", "--research")
    assert first.exit_code == 0 and "promoted v1.0.0 to lstm_btc (research)" in first.stdout
    assert "WARNING: v1.0.0 is a RESEARCH promotion" in first.stderr
    second = json.loads(run(env, "promote", "v1.1.0", "--research", "--json").stdout)
    assert (second["promotion"], second["replaced"]) == ("research", "v1.0.0")
    forward = run(env, "rollback", "v1.1.0", "--reason", "x")
    assert forward.exit_code == 1 and "v1.1.0 is already the promoted lstm_btc model" in forward.stderr
    result = run(env, "rollback", "v1.0.0", "--reason", "drifted", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"role": "lstm_btc", "serving": "v1.0.0", "pulled": "v1.1.0",
                                         "reason": "drifted", "promotion": "research"}
    assert os.readlink(models / "promoted" / "lstm_btc") == f"../{card(1).name}.pt"
    listed = run(env, "list").stdout
    assert "SERVING (research)" in listed and "rolled back" in listed


def test_a_tampered_file_is_refused_at_promotion(env) -> None:
    path = write_model(Path(env["MODEL_DIR"]), card(1))
    run(env, "register", str(path))
    path.write_bytes(b"swapped weights")
    result = run(env, "promote", "v1.0.0", "--research")
    assert result.exit_code == 1
    assert f"{path}: sha256" in result.stderr and "the file changed after it was registered" in result.stderr
    assert json.loads(run(env, "list", "--json").stdout)["promoted"] == {}


def test_monitor_is_attached_to_the_group(env) -> None:
    assert "monitor" in run(env, "--help").stdout
    assert run(env, "monitor", "--help").exit_code == 0
