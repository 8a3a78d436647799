"""Migration 0005 (retrain requests) upgrades and downgrades the same on both backends."""

from __future__ import annotations

from adapters.sql import downgrade, upgrade
from tests.integration.sql.test_migration_0003 import _schema


def test_keys_and_index(engine) -> None:
    columns, pk, indexes = _schema(engine)["retrain_requests"]
    assert pk == ("id",)
    assert {"requested_by", "requested_at", "status", "started_at", "finished_at", "result"} <= set(columns)
    assert ("ix_retrain_requests_status", ("status", "id")) in indexes


def test_downgrade_to_0004_drops_exactly_the_retrain_requests(engine) -> None:
    at_head = _schema(engine)
    downgrade(engine, "0005")  # later migrations change other tables: compare with 0005 itself
    at_0005 = _schema(engine)
    downgrade(engine, "0004")
    assert _schema(engine) == {name: shape for name, shape in at_0005.items() if name != "retrain_requests"}
    upgrade(engine)
    assert _schema(engine) == at_head
