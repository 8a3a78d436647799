"""Retention: old dry-run rows go to parquet first, then leave the database; everything else stays."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from adapters.sql import SqlDeploymentRepository, SqlPatternRepository, SqlSignalRepository, create_engine, retention
from adapters.sql.retention import ArchiveError, archive_dryrun
from adapters.sql.tables import metadata
from domain.models.deployments import ModelDeployment
from domain.signals.signal import Mode
from entrypoints.cli import cli
from tests.integration.db.conftest import cli_env, make_signal, table_rows

NOW = datetime(2025, 6, 1, tzinfo=UTC)


def seed(url: str, now: datetime) -> dict[str, list[str]]:
    engine = create_engine(url)
    signals = SqlSignalRepository(engine)
    groups = {"old_dry": [], "old_live": [], "recent_dry": []}
    for n in range(30):
        group, days, mode = (("old_dry", 100 + n, Mode.DRYRUN) if n < 12 else
                             ("old_live", 200, Mode.LIVE) if n < 18 else ("recent_dry", 10, Mode.DRYRUN))
        signal = make_signal(n, at=now - timedelta(days=days, minutes=n), mode=mode)
        signals.add(signal)
        groups[group].append(signal.signal_id)
    SqlPatternRepository(engine).record_outcome("h1", "flag", True, now - timedelta(days=400))
    SqlDeploymentRepository(engine).add(ModelDeployment("v0", "m.pt", now - timedelta(days=400)))
    engine.dispose()
    return groups


def test_archive_writes_parquet_first_then_deletes_only_old_dryrun_rows(store_url, tmp_path) -> None:
    groups = seed(store_url, NOW)
    before = {r["signal_id"]: r for r in table_rows(store_url, "risk_book")}
    engine = create_engine(store_url)
    result = archive_dryrun(engine, NOW - timedelta(days=90), tmp_path / "archive", NOW)
    engine.dispose()
    assert (result.rows, result.deleted) == (12, 12)
    archived = pq.read_table(result.path).to_pylist()
    assert sorted(r["signal_id"] for r in archived) == sorted(groups["old_dry"])
    first = next(r for r in archived if r["signal_id"] == groups["old_dry"][0])
    stored = before[groups["old_dry"][0]]
    assert first["entry_time"] == stored["entry_time"].replace(tzinfo=stored["entry_time"].tzinfo or UTC)
    assert (first["entry_price"], first["tier"], first["model_version"]) == (
        stored["entry_price"], stored["tier"], stored["model_version"])
    kept = {r["signal_id"] for r in table_rows(store_url, "risk_book")}
    assert kept == set(groups["old_live"]) | set(groups["recent_dry"])
    assert len(table_rows(store_url, "patterns")) == len(table_rows(store_url, "model_deployments")) == 1


def test_nothing_is_deleted_when_the_archive_cannot_be_verified(store_url, tmp_path, monkeypatch) -> None:
    seed(store_url, NOW)
    real_read = pq.read_table
    monkeypatch.setattr(retention.pq, "read_table", lambda *a, **k: real_read(*a, **k).slice(1))
    engine = create_engine(store_url)
    with pytest.raises(ArchiveError, match="read back 11 rows, expected 12"):
        archive_dryrun(engine, NOW - timedelta(days=90), tmp_path / "archive", NOW)
    engine.dispose()
    assert len(table_rows(store_url, "risk_book")) == 30


def test_nothing_is_deleted_when_the_archive_cannot_be_written(store_url, tmp_path) -> None:
    seed(store_url, NOW)
    blocked = tmp_path / "archive"
    blocked.write_text("a file where the folder should be")
    result = CliRunner().invoke(cli, ["db", "archive", "--out", str(blocked / "sub")], env=cli_env(store_url, tmp_path))
    assert result.exit_code == 1 and "error:" in result.output
    assert len(table_rows(store_url, "risk_book")) == 30


def test_cli_archive_reports_json_and_a_second_run_finds_nothing(store_url, tmp_path) -> None:
    seed(store_url, datetime.now(UTC))
    env, out = cli_env(store_url, tmp_path), tmp_path / "archive"
    first = CliRunner().invoke(cli, ["db", "archive", "--older-than-days", "90", "--out", str(out), "--json"], env=env)
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    assert (report["archived"], report["deleted"]) == (12, 12)
    assert pq.read_metadata(report["path"]).num_rows == 12
    again = CliRunner().invoke(cli, ["db", "archive", "--out", str(out), "--json"], env=env)
    assert json.loads(again.stdout)["archived"] == 0
    assert len(list(out.iterdir())) == 1


def _messages(url: str, now: datetime) -> None:
    """Old delivered, old given up, old still waiting, and recent delivered messages."""
    rows = [("old-delivered", 100, "delivered_at"), ("old-given-up", 120, "given_up_at"),
            ("old-waiting", 150, None), ("recent-delivered", 5, "delivered_at")]
    engine = create_engine(url)
    with engine.begin() as connection:
        for key, days, finished in rows:
            at = now - timedelta(days=days)
            values = {"dedup_key": key, "kind": "signal", "text": f"message {key}", "created_at": at,
                      "next_attempt_at": at, **({finished: at + timedelta(seconds=3)} if finished else {})}
            connection.execute(sa.insert(metadata.tables["outbox"]).values(**values))
    engine.dispose()


def test_finished_outbox_messages_are_archived_and_a_waiting_one_never_is(store_url, tmp_path) -> None:
    now = datetime.now(UTC)
    _messages(store_url, now)
    env, out = cli_env(store_url, tmp_path), tmp_path / "archive"
    result = CliRunner().invoke(cli, ["db", "archive", "--out", str(out), "--json"], env=env)
    assert result.exit_code == 0, result.output
    moved = json.loads(result.output)["outbox"]
    assert (moved["archived"], moved["deleted"]) == (2, 2)
    archived = pq.read_table(moved["path"]).to_pylist()
    assert sorted(r["dedup_key"] for r in archived) == ["old-delivered", "old-given-up"]
    assert all(r["created_at"].tzinfo is not None for r in archived)
    assert sorted(r["dedup_key"] for r in table_rows(store_url, "outbox")) == ["old-waiting", "recent-delivered"]
