"""Aggregates over closed risk-book rows for /stats. Every query filters on an entry_time range
and reads only columns held in ix_risk_book_stats, so Postgres can answer from the index."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from adapters.sql.tables import risk_book as rb
from adapters.sql.timeutil import utc
from application.stats.ports import PerformanceQueries
from domain.market.candles import require_utc
from domain.signals.signal import Mode
from domain.stats.outcomes import Performance


class SqlPerformanceQueries(PerformanceQueries):
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def performance_by_tier(self, since: datetime, until: datetime,
                            mode: Mode | None = None) -> Mapping[str, Performance]:
        return self._grouped(rb.c.tier, since, until, mode)

    def performance_by_model(self, since: datetime, until: datetime,
                             mode: Mode | None = None) -> Mapping[str, Performance]:
        return self._grouped(rb.c.model_version, since, until, mode)

    def performance_by_hour(self, since: datetime, until: datetime,
                            mode: Mode | None = None) -> Mapping[datetime, Performance]:
        grouped = self._grouped(utc_hour(self._engine.dialect.name), since, until, mode)
        return {_hour_start(k): p for k, p in grouped.items()}

    def _grouped(self, key: sa.ColumnElement[Any], since: datetime, until: datetime,
                 mode: Mode | None) -> dict[Any, Performance]:
        with self._engine.connect() as connection:
            rows = connection.execute(grouped_statement(key, since, until, mode))
            return {k: Performance(int(n), int(w), float(r)) for k, n, w, r in rows}


def utc_hour(dialect: str) -> sa.ColumnElement[Any]:
    """The start of the entry's UTC hour: timestamp (Postgres) or ISO text (SQLite stores naive UTC)."""
    if dialect == "postgresql":
        # AT TIME ZONE 'UTC' first: a bare date_trunc would truncate in the session's TimeZone
        return sa.func.date_trunc("hour", rb.c.entry_time.op("AT TIME ZONE")(sa.literal_column("'UTC'")))
    return sa.func.strftime("%Y-%m-%d %H:00:00", rb.c.entry_time)


def _hour_start(value: datetime | str) -> datetime:
    return utc(datetime.fromisoformat(value) if isinstance(value, str) else value)


def grouped_statement(key: sa.ColumnElement[Any], since: datetime, until: datetime,
                      mode: Mode | None = None) -> sa.Select[Any]:
    wins = sa.func.sum(sa.case((rb.c.result == "W", 1), else_=0))
    r_total = sa.func.coalesce(sa.func.sum(rb.c.r_realized), 0.0)
    return (sa.select(key, sa.func.count(), wins, r_total)
            .where(*_closed_between(since, until, mode)).group_by(key).order_by(key))


def stats_statements(since: datetime, until: datetime, mode: Mode | None = None,
                     dialect: str = "postgresql") -> dict[str, sa.Select[Any]]:
    """The statements behind /stats, for the benchmark's EXPLAIN."""
    return {"by_tier": grouped_statement(rb.c.tier, since, until, mode),
            "by_model": grouped_statement(rb.c.model_version, since, until, mode),
            "by_hour": grouped_statement(utc_hour(dialect), since, until, mode)}


def _closed_between(since: datetime, until: datetime, mode: Mode | None) -> list[sa.ColumnElement[bool]]:
    since, until = require_utc(since, "since"), require_utc(until, "until")
    if since >= until:
        raise ValueError(f"query window is empty: since {since.isoformat()} is not before until {until.isoformat()}")
    where = [rb.c.entry_time >= since, rb.c.entry_time < until, rb.c.result.is_not(None)]
    if mode is not None:
        where.append(rb.c.mode == mode.value)
    return where
