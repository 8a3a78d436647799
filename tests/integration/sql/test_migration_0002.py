"""Migration 0002 (patterns, model_deployments, the stats index) behaves the same on both backends."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from adapters.sql import downgrade, upgrade
from adapters.sql.tables import metadata

T = datetime(2025, 1, 1, tzinfo=UTC)


def test_schema_matches_the_table_objects(engine) -> None:
    inspector = sa.inspect(engine)
    for table in metadata.sorted_tables:
        stored = {c["name"]: c["nullable"] for c in inspector.get_columns(table.name)}
        assert stored == {c.name: c.nullable for c in table.columns}, table.name
    # 0007 keys the counters by mode too
    assert [ix["column_names"] for ix in inspector.get_indexes("patterns") if ix["unique"]] == [["mode", "pattern_hash"]]
    assert {ix["name"] for ix in inspector.get_indexes("model_deployments")} == {"ix_model_deployments_deployed_at"}


@pytest.mark.parametrize(("wins", "total"), [(3, 2), (-1, 0), (0, -1)])
def test_pattern_counts_are_checked_by_the_database(engine, wins, total) -> None:
    insert = sa.text("INSERT INTO patterns (name, pattern_hash, wins, total, created_at, updated_at) "
                     "VALUES ('p', :h, :w, :t, :at, :at)")
    with pytest.raises(sa.exc.IntegrityError, match=r"ck_patterns_counts|CHECK"), engine.begin() as connection:
        connection.execute(insert, {"h": "x", "w": wins, "t": total, "at": T})


def test_pattern_hash_is_unique(engine) -> None:
    insert = sa.text("INSERT INTO patterns (name, pattern_hash, created_at, updated_at) VALUES ('p', 'h', :at, :at)")
    with engine.begin() as connection:
        connection.execute(insert, {"at": T})
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(insert, {"at": T})


def test_downgrade_to_0001_keeps_the_risk_book(engine) -> None:
    downgrade(engine, "0001")
    inspector = sa.inspect(engine)
    assert "risk_book" in inspector.get_table_names()
    assert not {"patterns", "model_deployments"} & set(inspector.get_table_names())
    assert "ix_risk_book_stats" not in {ix["name"] for ix in inspector.get_indexes("risk_book")}
    upgrade(engine)
    assert {"patterns", "model_deployments"} <= set(sa.inspect(engine).get_table_names())
