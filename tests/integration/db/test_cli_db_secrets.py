"""Every `tradeai db` command, on a database that cannot be reached, fails with exit 1 and a
message that never holds the password, here given as query parameters."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from entrypoints.cli import cli
from entrypoints.cli.db import db

URL = "postgresql+psycopg://trader@127.0.0.1:1/book?password=hunter2&sslpassword=hunter3"


def args_for(name: str, tmp_path: Path) -> list[str]:
    backup_file = tmp_path / "book.dump"
    backup_file.write_bytes(b"not a dump")
    return {"backup": ["--out", str(tmp_path / "out.dump")], "restore": [str(backup_file), "--yes"],
            "archive": ["--out", str(tmp_path / "archive")]}.get(name, [])


@pytest.mark.parametrize("name", sorted(db.commands))
def test_db_commands_never_show_a_query_password(name: str, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    env = {"DATABASE_URL": URL, "TRADEAI_CONFIG": ""}  # the backend follows the URL
    result = CliRunner().invoke(cli, ["db", name, *args_for(name, tmp_path)], env=env)
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "hunter2" not in result.output and "hunter3" not in result.output
    assert result.output.startswith("error: ")
