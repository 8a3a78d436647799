"""Migration 0003 (the runtime state tables) upgrades and downgrades the same on both backends."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from adapters.sql import downgrade, upgrade

RUNTIME_TABLES = {"guard_state", "account_days", "control_changes", "equity_snapshots"}


def _schema(engine: sa.Engine) -> dict[str, tuple]:
    """Every table with its columns, primary key and indexes: what a downgrade must give back."""
    inspector = sa.inspect(engine)
    return {name: (tuple(c["name"] for c in inspector.get_columns(name)),
                   tuple(inspector.get_pk_constraint(name)["constrained_columns"]),
                   tuple(sorted((ix["name"], tuple(ix["column_names"])) for ix in inspector.get_indexes(name))))
            for name in inspector.get_table_names() if name != "alembic_version"}


def test_keys_and_indexes(engine) -> None:
    schema = _schema(engine)
    assert schema["guard_state"][1] == ("account",)
    assert schema["account_days"][1] == ("account", "day")
    assert schema["control_changes"][2] == (("ix_control_changes_key_changed_at", ("key", "changed_at")),)
    assert schema["equity_snapshots"][2] == (("ix_equity_snapshots_account_at", ("account", "at")),)


def test_one_day_row_per_account_and_day(engine) -> None:
    insert = sa.text("INSERT INTO account_days (account, day, start_balance) VALUES ('live', '2025-03-30', 1.0)")
    with engine.begin() as connection:
        connection.execute(insert)
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(insert)


def test_downgrade_to_0002_drops_exactly_what_0003_added(engine) -> None:
    at_head = _schema(engine)
    downgrade(engine, "0003")  # later migrations change other tables: compare with 0003 itself
    at_0003 = _schema(engine)
    downgrade(engine, "0002")
    at_0002 = _schema(engine)
    assert set(at_0003) - set(at_0002) == RUNTIME_TABLES
    assert at_0002 == {name: shape for name, shape in at_0003.items() if name not in RUNTIME_TABLES}
    upgrade(engine)
    assert _schema(engine) == at_head
