"""infra/scripts/nightly_exec_metrics.sh measures the exported tick files of EXEC_TICKS_DIR."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "infra" / "scripts" / "nightly_exec_metrics.sh"
TRADEAI = ROOT / ".venv" / "bin" / "tradeai"


def _run(tmp_path: Path, ticks: Path) -> subprocess.CompletedProcess[str]:
    if shutil.which("bash") is None or not TRADEAI.exists():
        pytest.skip("needs bash and the project's virtualenv")
    env = {**os.environ, "TRADEAI_ENV_FILE": str(tmp_path / "none.env"), "EXEC_TICKS_DIR": str(ticks),
           "DATA_DIR": str(tmp_path / "data"), "TRADEAI_BIN": str(TRADEAI),
           "EXEC_TICKS_PASSWORD": "s3cret-investor"}
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120, check=False)


def test_measures_exported_mt5_ticks(tmp_path: Path) -> None:
    ticks = tmp_path / "ticks"
    ticks.mkdir()
    rows = "".join(f"1735819200,94000.0,94030.0,0,0,{1735819200000 + i * 1000},6,0\n" for i in range(120))
    (ticks / "BTCUSD_202501020000_202501022359.csv").write_text(
        "time,bid,ask,last,volume,time_msc,flags,volume_real\n" + rows)
    done = _run(tmp_path, ticks)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "data" / "execution_metrics.json").is_symlink()
    assert "s3cret" not in done.stdout + done.stderr


def test_no_tick_files_fails_and_keeps_the_metrics(tmp_path: Path) -> None:
    (tmp_path / "ticks").mkdir()
    done = _run(tmp_path, tmp_path / "ticks")
    assert done.returncode == 1 and "no tick files" in done.stdout
    assert not (tmp_path / "data").exists()
