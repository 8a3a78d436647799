"""`tradeai retrain` on real candles: the promoted model trained again on the latest days, its
normalizer fitted before the validation days, registered as the next patch and promoted only
through the gates (a coin-toss model is refused and the old one keeps serving)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from adapters.features import ParquetFeatureStore
from adapters.registry import JsonRegistryStore
from entrypoints.cli import cli
from tests.integration.training.test_cli_train import train

pytestmark = pytest.mark.shared_data
RETRAIN = ("retrain", "--validation-days", "2", "--train-months", "0", "--min-coverage", "0.9", "--json")


def _cli(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


@pytest.fixture
def env(real_data_dir: Path, tmp_path: Path) -> dict[str, str]:
    env = {"MODEL_DIR": str(tmp_path / "models"), "DATA_DIR": str(real_data_dir),
           "DATABASE_URL": f"sqlite:///{tmp_path}/store.db"}
    trained = train(real_data_dir, tmp_path / "models", "lstm", "--pair", "BTCUSDT", "--leakage-samples", "0", "--json")
    assert trained.exit_code == 0, trained.output
    assert _cli(env, "model", "register", json.loads(trained.stdout)["location"]).exit_code == 0
    assert _cli(env, "model", "promote", "v1.0.0", "--research").exit_code == 0
    return env


def test_a_retrain_validates_on_the_latest_days_and_is_refused_by_the_gates(env: dict[str, str],
                                                                          real_data_dir: Path) -> None:
    result = _cli(env, *RETRAIN)
    assert result.exit_code == 1, result.output  # nothing promoted
    (outcome,) = json.loads(result.stdout)["roles"]
    assert (outcome["role"], outcome["replaced"], outcome["tag"], outcome["promoted"]) == ("lstm_btc", "v1.0.0",
                                                                                           "v1.0.1", False)
    assert outcome["split"]["validation"] == ["2020-05-28T00:00:00+00:00", "2020-05-30T00:00:00+00:00"]
    assert "test" not in outcome["split"]  # no later data: no test period is invented
    assert any(f.startswith("promotion: BTCUSDT validation accuracy") for f in outcome["failures"])
    manifest = ParquetFeatureStore(real_data_dir / "features").manifest(outcome["feature_set"])
    assert datetime.fromisoformat(manifest["fit_window"]["end"]) <= datetime.fromisoformat("2020-05-27T23:45:00+00:00")
    registry = JsonRegistryStore(env["MODEL_DIR"]).load()
    assert registry.promoted["lstm_btc"] == "v1.0.0" and "v1.0.1" in registry.entries


def test_a_dry_run_registers_nothing_and_an_unpromoted_role_is_refused(env: dict[str, str]) -> None:
    before = Path(env["MODEL_DIR"], "registry.json").read_text()
    dry = _cli(env, *RETRAIN, "--dry-run")
    assert dry.exit_code == 0, dry.output
    (outcome,) = json.loads(dry.stdout)["roles"]
    assert outcome["tag"] is None and outcome["failures"]
    assert Path(env["MODEL_DIR"], "registry.json").read_text() == before
    refused = CliRunner().invoke(cli, [*RETRAIN, "--roles", "transformer"], env=env)
    assert refused.exit_code == 2 and "transformer never promoted (promoted: lstm_btc)" in refused.output
