"""`tradeai db upgrade` and error reporting of the db commands."""

from __future__ import annotations

import json

import sqlalchemy as sa
from click.testing import CliRunner

from entrypoints.cli import cli


def test_upgrade_creates_the_schema_and_is_repeatable(tmp_path) -> None:
    url = f"sqlite:///{tmp_path}/fresh/book.db"
    env = {"DATABASE_URL": url, "STORE_BACKEND": "sqlite"}
    for _ in range(2):
        result = CliRunner().invoke(cli, ["db", "upgrade", "--json"], env=env)
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["revision"] == "head"
    engine = sa.create_engine(url)
    assert {"risk_book", "patterns", "model_deployments"} <= set(sa.inspect(engine).get_table_names())
    engine.dispose()


def test_unreachable_database_fails_with_a_masked_url(tmp_path) -> None:
    env = {"DATABASE_URL": "postgresql+psycopg://trader:hunter2@127.0.0.1:1/book", "STORE_BACKEND": "postgres"}
    result = CliRunner().invoke(cli, ["db", "upgrade"], env=env)
    assert result.exit_code == 1
    assert "error: database postgresql+psycopg://trader:***@127.0.0.1:1/book" in result.output
    assert "hunter2" not in result.output


def test_archive_on_a_store_without_schema_says_so(tmp_path) -> None:
    env = {"DATABASE_URL": f"sqlite:///{tmp_path}/empty.db", "STORE_BACKEND": "sqlite"}
    result = CliRunner().invoke(cli, ["db", "archive", "--out", str(tmp_path / "a")], env=env)
    assert result.exit_code == 1 and "risk_book" in result.output
