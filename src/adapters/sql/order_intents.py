"""The live orders written before they are sent (application.runtime.ports.OrderIntents), one
table for both modes: each runtime reads and clears only its own mode's rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa

from adapters.sql.dialect import upsert
from adapters.sql.state_codec import decode_signal, encode_signal
from adapters.sql.tables import order_intents as oi
from application.runtime.ports import OrderIntents
from domain.signals.signal import Mode, Signal


class SqlOrderIntents(OrderIntents):
    def __init__(self, engine: sa.Engine, mode: Mode) -> None:
        self._engine = engine
        self._mode = mode

    def write(self, signal: Signal, at: datetime) -> None:
        row = {"signal_id": signal.signal_id, "mode": self._mode.value, "signal_json": encode_signal(signal),
               "written_at": at}
        with self._engine.begin() as connection:  # committed before the order leaves
            upsert(connection, oi, [row], key=("signal_id",))

    def pending(self) -> Sequence[Signal]:
        query = sa.select(oi.c.signal_id, oi.c.signal_json).where(oi.c.mode == self._mode.value) \
            .order_by(oi.c.written_at, oi.c.signal_id)
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [decode_signal(row.signal_json, f"order_intents row {row.signal_id!r}") for row in rows]

    def discard(self, signal_id: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(sa.delete(oi).where(oi.c.signal_id == signal_id, oi.c.mode == self._mode.value))
