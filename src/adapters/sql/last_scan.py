"""When did the runtime last scan? Read from the guard state it saves after every scan: the market
time the state holds (``as_of``) and the wall time of the save, for a bot that runs on its own."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from adapters.sql.state_codec import decode_state
from adapters.sql.tables import guard_state
from adapters.sql.timeutil import utc
from application.bot.ports import LastScan


class SqlLastScan(LastScan):
    def __init__(self, engine: sa.Engine, account: str) -> None:
        self._engine = engine
        self._account = account

    def last_scan(self) -> tuple[datetime, datetime] | None:
        query = sa.select(guard_state.c.state_json, guard_state.c.updated_at).where(
            guard_state.c.account == self._account)
        with self._engine.connect() as connection:
            row = connection.execute(query).first()
        if row is None:
            return None
        state = decode_state(row.state_json, f"guard_state row of account {self._account!r}")
        return None if state.as_of is None else (state.as_of, utc(row.updated_at))
