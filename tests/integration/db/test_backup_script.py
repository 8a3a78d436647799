"""infra/scripts/backup_db.sh: reads the URL from the env file, writes a restorable backup, keeps the newest N."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from adapters.sql.backup import restore
from tests.integration.db.conftest import table_rows
from tests.integration.db.test_backup_restore import damage, seed

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "infra" / "scripts" / "backup_db.sh"
TRADEAI = ROOT / ".venv" / "bin" / "tradeai"


def run_script(env_file: Path, backup_dir: Path, **extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "STORE_BACKEND")}
    env |= {"TRADEAI_ENV_FILE": str(env_file), "BACKUP_DIR": str(backup_dir), "TRADEAI_BIN": str(TRADEAI), **extra}
    return subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False,
                          cwd=env_file.parent)


@pytest.mark.skipif(not TRADEAI.exists(), reason="needs the tradeai entry point in .venv")
def test_script_backs_up_from_the_env_file_and_prunes_old_backups(store_url, tmp_path) -> None:
    seed(store_url)
    before = table_rows(store_url, "risk_book")
    env_file = tmp_path / "tradeai.env"
    # trust auth ignores the password; it is there to prove it never reaches the output
    url = store_url.replace("postgres@", "postgres:sekret-pw@")
    env_file.write_text(f'# comment\nDATABASE_URL="{url}"\nOTHER=1\n')
    backups = tmp_path / "backups"
    backups.mkdir()
    for stamp in ("20200101T000000Z", "20200102T000000Z", "20200103T000000Z"):
        (backups / f"tradeai-{stamp}.db").write_text("old")
    result = run_script(env_file, backups, BACKUP_KEEP="2")
    assert result.returncode == 0, result.stdout + result.stderr
    kept = sorted(p.name for p in backups.glob("tradeai-*"))
    assert len(kept) == 2 and kept[0] == "tradeai-20200103T000000Z.db"
    assert "sekret-pw" not in result.stdout + result.stderr
    damage(store_url)
    restore(store_url, backups / kept[1])
    assert table_rows(store_url, "risk_book") == before


def test_script_fails_without_a_url_and_keeps_old_backups(tmp_path) -> None:
    backups = tmp_path / "backups"
    backups.mkdir()
    (backups / "tradeai-20200101T000000Z.db").write_text("old")
    result = run_script(tmp_path / "missing.env", backups, BACKUP_KEEP="1")
    assert result.returncode == 1 and "DATABASE_URL is not set" in result.stdout
    assert [p.name for p in backups.glob("tradeai-*")] == ["tradeai-20200101T000000Z.db"]
    bad = run_script(tmp_path / "missing.env", backups, BACKUP_KEEP="0", DATABASE_URL="sqlite:///x.db")
    assert bad.returncode == 1 and "BACKUP_KEEP" in bad.stdout
