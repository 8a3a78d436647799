"""INSERT ... ON CONFLICT for the two backends: SQLite and Postgres spell it alike, but each
dialect has its own Insert construct."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite


def insert(bind: sa.Engine | sa.Connection, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    return postgresql.insert(table) if bind.dialect.name == "postgresql" else sqlite.insert(table)


def upsert(connection: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]], key: Sequence[str],
           skip_unchanged: bool = False) -> None:
    """Insert ``rows`` or overwrite the rows already stored under ``key``. ``skip_unchanged`` leaves
    rows holding the same values untouched, so rewriting a long history costs no row versions."""
    if not rows:
        return
    statement = insert(connection, table).values(list(rows))
    changed = {name: statement.excluded[name] for name in rows[0] if name not in key}
    differs = sa.or_(*(table.c[name].is_distinct_from(value) for name, value in changed.items()))
    connection.execute(statement.on_conflict_do_update(index_elements=list(key), set_=changed,
                                                       where=differs if skip_unchanged else None))
