"""Pattern win/loss counters: one upsert per outcome, so concurrent writers never lose a count.

A repository counts one mode's outcomes only (dry-run or live): a dry-run's or a replay's closes
must never move a live signal's confidence, as the risk book never mixes the two either."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from adapters.sql.dialect import insert
from adapters.sql.tables import patterns
from adapters.sql.timeutil import utc_or_none
from application.stats.ports import PatternRepository
from domain.market.candles import require_utc
from domain.signals.patterns import PatternRecord
from domain.signals.signal import Mode


class SqlPatternRepository(PatternRepository):
    def __init__(self, engine: sa.Engine, mode: Mode = Mode.DRYRUN) -> None:
        self._engine = engine
        self._mode = Mode(mode).value
        self._mine = patterns.c.mode == self._mode

    def record_outcome(self, pattern_hash: str, name: str, won: bool, now: datetime) -> PatternRecord:
        PatternRecord(pattern_hash, name)  # validates the key before it reaches the database
        now = require_utc(now, "now")
        values = insert(self._engine, patterns).values(pattern_hash=pattern_hash, mode=self._mode, name=name,
                                                       wins=int(won), total=1, created_at=now, updated_at=now)
        statement = values.on_conflict_do_update(
            index_elements=["mode", "pattern_hash"],
            set_={"wins": patterns.c.wins + values.excluded.wins, "total": patterns.c.total + 1,
                  "name": values.excluded.name, "updated_at": values.excluded.updated_at},
        ).returning(patterns.c.pattern_hash, patterns.c.name, patterns.c.wins, patterns.c.total)
        with self._engine.begin() as connection:
            return _record(connection.execute(statement).one()._mapping)

    def get(self, pattern_hash: str) -> PatternRecord | None:
        query = sa.select(patterns).where(self._mine, patterns.c.pattern_hash == pattern_hash)
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        return None if row is None else _record(row._mapping)

    def list_above(self, sample_floor: int) -> Sequence[PatternRecord]:
        if sample_floor < 1:
            raise ValueError(f"sample_floor must be >= 1, got {sample_floor}")
        rate = sa.cast(patterns.c.wins, sa.Float) / patterns.c.total
        query = (sa.select(patterns).where(self._mine, patterns.c.total >= sample_floor)
                 .order_by(rate.desc(), patterns.c.total.desc(), patterns.c.pattern_hash))
        with self._engine.connect() as connection:
            return [_record(row._mapping) for row in connection.execute(query)]

    def latest_outcome_at(self) -> datetime | None:
        query = sa.select(sa.func.max(patterns.c.updated_at)).where(self._mine)
        with self._engine.connect() as connection:
            return utc_or_none(connection.execute(query).scalar_one())


def _record(row: Any) -> PatternRecord:
    return PatternRecord(row["pattern_hash"], row["name"], row["wins"], row["total"])
