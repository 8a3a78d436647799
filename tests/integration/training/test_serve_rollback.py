"""The issue's scenario end to end: v1.1.0 is deployed over v1.0.0 and the runtime serves it; a
rollback to v1.0.0 (with its reason) and the runtime serves v1.0.0 again, every signal naming it."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pytest
import structlog
from click.testing import CliRunner, Result

from entrypoints.candle_bootstrap import RuntimeFailure
from entrypoints.cli import cli
from entrypoints.container import build_container
from entrypoints.model_boot import boot_predictor
from entrypoints.settings import load_settings
from tests.integration.training.test_cli_train import train

pytestmark = pytest.mark.shared_data
WINDOW = ("--start", "2020-05-29T00:00", "--until", "2020-05-29T06:00")


def _cli(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


def _run(env: dict[str, str]) -> dict[str, object]:
    result = _cli(env, "run", "--pairs", "BTCUSDT", "--speed", "max", *WINDOW, "--json")
    assert result.exit_code == 0, result.output
    summary: dict[str, object] = json.loads(result.stdout)
    return summary


def test_deploy_v1_1_0_roll_back_and_the_runtime_serves_v1_0_0(real_data_dir: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    env = {"MODEL_DIR": str(models), "DATA_DIR": str(real_data_dir), "DATABASE_URL": f"sqlite:///{tmp_path}/store.db",
           "PREDICTOR": "torch", "CANDLE_SOURCE": "replay", "REPLAY_PATHS": ""}
    for lr, tag in (("0.001", "v1.0.0"), ("0.002", "v1.1.0")):
        trained = train(real_data_dir, models, "lstm", "--pair", "BTCUSDT", "--leakage-samples", "0", "--json",
                        "--lr", lr)
        assert trained.exit_code == 0, trained.output
        location = json.loads(trained.stdout)["location"]
        registered = _cli(env, "model", "register", location, "--tag", tag)
        assert registered.exit_code == 0, registered.output
        refused = _cli(env, "model", "promote", tag, "--json")  # a coin-toss model: the gates refuse it
        assert refused.exit_code == 1, refused.output
        failures = json.loads(refused.stdout)["failures"]
        assert any(f.startswith("promotion: BTCUSDT validation accuracy") for f in failures)
        # the challenge gate ran on a backtest of the validation days (or says why it could not)
        challenge = next(v for v in json.loads(refused.stdout)["verdicts"] if v["gate"] == "challenge")
        assert challenge["verdict"] in ("failed", "passed", "not_run"), challenge
        assert _cli(env, "model", "promote", tag, "--research").exit_code == 0

    assert _run(env)["predictor"] == "torch:lstm_btc=v1.1.0"
    rolled = _cli(env, "model", "rollback", "v1.0.0", "--reason", "v1.1.0 drifted in the test")
    assert rolled.exit_code == 0, rolled.output
    summary = _run(env)
    assert summary["predictor"] == "torch:lstm_btc=v1.0.0" and summary["scans"] == 181

    shown = json.loads(_cli(env, "model", "show", "v1.1.0", "--json").stdout)
    assert shown["rollback_reason"] == "v1.1.0 drifted in the test"
    # live refuses a model promoted for research (live also needs a real broker, so the boot is called alone)
    settings = attrs.evolve(load_settings(dotenv_path=None, environ=env).settings, mode="live")
    with pytest.raises(RuntimeFailure, match=r"live mode refuses ungated models: lstm_btc serves v1\.0\.0"):
        boot_predictor(build_container(settings), settings, structlog.get_logger())
