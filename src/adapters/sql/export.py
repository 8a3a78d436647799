"""The risk book's tables for the nightly export: the rows of a window, as data frames.

Rows are chosen by their own time column (a trade by its entry, a change by when it was made, a
snapshot by its time); tables without time (patterns, guard state) are exported whole, as they
stand. Every row carries what tells dry-run from live: the risk book its ``mode``, the account
tables their ``account``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy import Engine

from adapters.sql.tables import (
    account_days,
    control_changes,
    equity_snapshots,
    guard_state,
    model_deployments,
    patterns,
    risk_book,
)

# table -> the column that places a row in time (None: the whole table, as it stands)
WINDOWED: dict[sa.Table, sa.Column[Any] | None] = {
    risk_book: risk_book.c.entry_time,
    control_changes: control_changes.c.changed_at,
    model_deployments: model_deployments.c.deployed_at,
    equity_snapshots: equity_snapshots.c.at,
    account_days: account_days.c.day,
    patterns: None,
    guard_state: None,
}


def export_frames(engine: Engine, since: datetime, until: datetime) -> dict[str, pd.DataFrame]:
    """Each table's rows with ``since <= time < until``, ordered by its primary key, in one read transaction."""
    frames = {}
    with engine.connect() as connection:
        for table, time in WINDOWED.items():
            query = sa.select(table).order_by(*table.primary_key.columns)
            if time is not None:
                low, high = (since.date(), until.date()) if isinstance(time.type, sa.Date) else (since, until)
                query = query.where(time >= low, time < high)
            rows = connection.execute(query).mappings().all()
            frames[table.name] = pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in table.columns])
    return frames
