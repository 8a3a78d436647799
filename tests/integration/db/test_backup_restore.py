"""`tradeai db backup` then `tradeai db restore` bring every table back as it was, on both backends."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from adapters.sql import SqlDeploymentRepository, SqlPatternRepository, SqlSignalRepository, create_engine
from adapters.sql.backup import BackupError, PgTarget, backup, restore
from domain.models.deployments import ModelDeployment
from entrypoints.cli import cli
from tests.integration.db.conftest import T0, cli_env, make_signal, table_rows

TABLES = ("risk_book", "patterns", "model_deployments")


def seed(url: str) -> None:
    engine = create_engine(url)
    signals = SqlSignalRepository(engine)
    for n in range(20):
        signals.add(make_signal(n))
    SqlPatternRepository(engine).record_outcome("h1", "flag", True, T0)
    SqlDeploymentRepository(engine).add(ModelDeployment("v1", "models/v1.pt", T0, {"auc": 0.6}))
    engine.dispose()


def damage(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM risk_book WHERE id % 2 = 0"))
        connection.execute(sa.text("UPDATE risk_book SET result = 'L'"))
        connection.execute(sa.text("DELETE FROM patterns"))
        connection.execute(sa.text("UPDATE model_deployments SET rollback_reason = 'oops'"))
    engine.dispose()


def snapshot(url: str) -> dict[str, list[dict]]:
    return {table: table_rows(url, table) for table in TABLES}


def test_backup_then_restore_round_trip_through_the_cli(store_url, tmp_path) -> None:
    seed(store_url)
    before = snapshot(store_url)
    runner, env, out = CliRunner(), cli_env(store_url, tmp_path), tmp_path / "backups" / "b.dump"
    made = runner.invoke(cli, ["db", "backup", "--out", str(out), "--json"], env=env)
    assert made.exit_code == 0, made.output
    assert json.loads(made.stdout)["bytes"] == out.stat().st_size > 0
    assert not list(out.parent.glob(".*.tmp"))
    damage(store_url)
    assert snapshot(store_url) != before
    restored = runner.invoke(cli, ["db", "restore", str(out), "--yes"], env=env)
    assert restored.exit_code == 0, restored.output
    assert snapshot(store_url) == before
    # the restored store keeps working: ids continue, nothing collides
    engine = create_engine(store_url)
    assert SqlSignalRepository(engine).add(make_signal(99)) is True
    engine.dispose()


def test_restore_refuses_a_file_that_is_not_a_backup_and_changes_nothing(store_url, tmp_path) -> None:
    seed(store_url)
    before = snapshot(store_url)
    junk = tmp_path / "junk.dump"
    junk.write_bytes(b"not a backup at all" * 100)
    with pytest.raises(BackupError):
        restore(store_url, junk)
    with pytest.raises(BackupError, match="does not exist"):
        restore(store_url, tmp_path / "missing.dump")
    assert snapshot(store_url) == before


def test_restore_asks_before_replacing(store_url, tmp_path) -> None:
    seed(store_url)
    out = backup(store_url, tmp_path / "b.dump")
    damage(store_url)
    damaged = snapshot(store_url)
    result = CliRunner().invoke(cli, ["db", "restore", str(out)], env=cli_env(store_url, tmp_path), input="n\n")
    assert result.exit_code != 0
    assert snapshot(store_url) == damaged


def test_pg_password_goes_through_the_environment_never_argv() -> None:
    target = PgTarget.from_url(sa.engine.make_url(
        "postgresql+psycopg://trader:s3cr%40t@db.example:6543/book?options=-csearch_path%3Dt_abc"))
    assert (target.host, target.port, target.user, target.database, target.schema) == (
        "db.example", 6543, "trader", "book", "t_abc")
    assert "s3cr@t" not in " ".join(target.args()) and "--no-password" in target.args()
    assert target.env()["PGPASSWORD"] == "s3cr@t"
    assert "s3cr@t" not in repr(target)


def test_a_password_given_as_query_parameter_reaches_pg_dump_through_the_environment() -> None:
    target = PgTarget.from_url(sa.engine.make_url("postgresql+psycopg://trader@db:5432/book?password=hunter2"))
    assert target.env()["PGPASSWORD"] == "hunter2"
    assert "hunter2" not in " ".join(target.args()) and "hunter2" not in repr(target)


def test_backup_failure_message_masks_the_password(tmp_path) -> None:
    url = "postgresql+psycopg://trader:hunter2@127.0.0.1:1/nothing"
    env = {"DATABASE_URL": url, "STORE_BACKEND": "postgres", "DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(cli, ["db", "backup", "--out", str(tmp_path / "b.dump")], env=env)
    assert result.exit_code == 1
    assert "pg_dump failed" in result.output and "hunter2" not in result.output
    assert not (tmp_path / "b.dump").exists()
