"""infra/scripts/rollback_model.sh (what `make rollback-model TAG=... REASON=...` runs): settings
from the environment or the env file, the CLI's exit codes passed through."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.sql import SqlDeploymentRepository, create_engine
from entrypoints.cli import cli
from tests.unit.registry.builders import card, write_model

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "infra" / "scripts" / "rollback_model.sh"
TRADEAI = ROOT / ".venv" / "bin" / "tradeai"


@pytest.fixture
def models(tmp_path: Path) -> Path:
    """v1.0.0 then v1.1.0 promoted (for research: no model can pass the challenge gate yet)."""
    if shutil.which("bash") is None or not TRADEAI.exists():
        pytest.skip("needs bash and the project's virtualenv")
    folder = tmp_path / "models"
    # the database comes from the env file, as on a server
    (tmp_path / "tradeai.env").write_text(f'DATABASE_URL="sqlite:///{tmp_path}/store.db"\n')
    env = {"MODEL_DIR": str(folder), "DATABASE_URL": f"sqlite:///{tmp_path}/store.db"}
    for seed, tag in ((1, "v1.0.0"), (2, "v1.1.0")):
        for args in (["register", str(write_model(folder, card(seed))), "--tag", tag], ["promote", tag, "--research"]):
            assert CliRunner().invoke(cli, ["model", *args], env=env).exit_code == 0
    return folder


def _run(models: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TRADEAI_ENV_FILE": str(models.parent / "tradeai.env"), "MODEL_DIR": str(models),
           "TRADEAI_BIN": str(TRADEAI)}
    env.pop("DATABASE_URL", None)
    return subprocess.run(["bash", str(SCRIPT), *args], env=env, capture_output=True, text=True, timeout=120,
                          check=False)


def test_rolls_back_and_switches_the_link(models: Path) -> None:
    done = _run(models, "v1.0.0", "v1.1.0 drifted")
    assert done.returncode == 0, done.stderr
    assert "rolled back lstm_btc from v1.1.0 to v1.0.0: v1.1.0 drifted" in done.stdout
    assert os.readlink(models / "promoted" / "lstm_btc") == f"../{card(1).name}.pt"
    engine = create_engine(f"sqlite:///{models.parent}/store.db")  # the env file's database
    try:
        rows = [(d.version, d.rollback_reason) for d in SqlDeploymentRepository(engine).list()]
    finally:
        engine.dispose()
    assert rows[:2] == [("v1.0.0", None), ("v1.1.0", "v1.1.0 drifted")]


def test_refusal_and_bad_usage_keep_the_clis_exit_codes(models: Path) -> None:
    refused = _run(models, "v1.1.0", "why")
    assert refused.returncode == 1 and "already the promoted lstm_btc model" in refused.stderr
    assert _run(models, "v1.0.0").returncode == 2
    assert _run(models, "v1.0.0", "   ").returncode == 2
    unknown = _run(models, "v7.0.0", "why")
    assert unknown.returncode == 2 and "no model is registered as v7.0.0" in unknown.stderr
    assert os.readlink(models / "promoted" / "lstm_btc") == f"../{card(2).name}.pt"
