"""The risk book's signal rows in SQL (SQLite or Postgres)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from adapters.sql.dialect import insert
from adapters.sql.tables import risk_book
from adapters.sql.timeutil import utc
from application.runtime.ports import EntryFill
from application.stats.ports import SignalRepository
from domain.market.candles import Direction, Pair
from domain.signals.patterns import PatternKey
from domain.signals.signal import Mode, Signal, Tier


class SqlSignalRepository(SignalRepository):
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def add(self, signal: Signal) -> bool:
        with self._engine.begin() as connection:
            return insert_signal(connection, signal)

    def get(self, signal_id: str) -> Signal | None:
        with self._engine.connect() as connection:
            row = connection.execute(sa.select(risk_book).where(risk_book.c.signal_id == signal_id)).first()
        return None if row is None else _signal(row._mapping)

    def list(self, pair: Pair | None = None, limit: int | None = None) -> Sequence[Signal]:
        query = sa.select(risk_book).order_by(risk_book.c.entry_time, risk_book.c.signal_id)
        if pair is not None:
            query = query.where(risk_book.c.pair == pair.symbol)
        if limit is not None:
            query = query.limit(limit)
        with self._engine.connect() as connection:
            return [_signal(row._mapping) for row in connection.execute(query)]

    def count(self) -> int:
        with self._engine.connect() as connection:
            return int(connection.execute(sa.select(sa.func.count()).select_from(risk_book)).scalar_one())


def insert_signal(connection: sa.Connection, signal: Signal, entry: EntryFill | None = None) -> bool:
    """Add the signal's row (with its opening fill when given) inside the caller's transaction;
    False when its signal_id is there."""
    statement = (insert(connection, risk_book).values(**_row(signal), **_entry(entry))
                 .on_conflict_do_nothing(index_elements=["signal_id"]).returning(risk_book.c.id))
    # rowcount is unreliable with RETURNING-capable drivers; a returned id means a new row
    return connection.execute(statement).first() is not None


def _row(signal: Signal) -> dict[str, Any]:
    return {
        "signal_id": signal.signal_id,
        "pair": signal.pair.symbol,
        "tier": signal.tier.value,
        "confidence": signal.confidence,
        "direction": signal.direction.value,
        "entry_time": signal.created_at,
        "entry_price": signal.entry,
        "tp_price": signal.take_profit,
        "sl_price": signal.stop_loss,
        "rr_expected": signal.rr,
        "mode": signal.mode.value,
        "model_version": signal.model_version,
        "size": signal.size,
        "pattern_hash": signal.pattern.pattern_hash if signal.pattern else None,
        "pattern_name": signal.pattern.name if signal.pattern else None,
    }


def _entry(entry: EntryFill | None) -> dict[str, float | None]:
    if entry is None:
        return {}
    return {"entry_fill_price": entry.price, "entry_slippage_bps": entry.slippage_bps,
            "entry_spread_bps": entry.spread_bps, "entry_latency_ms": entry.latency_ms}


def _signal(row: Any) -> Signal:
    return Signal(
        signal_id=row["signal_id"],
        pair=Pair(row["pair"]),
        direction=Direction(row["direction"]),
        entry=row["entry_price"],
        take_profit=row["tp_price"],
        stop_loss=row["sl_price"],
        confidence=row["confidence"],
        tier=Tier(row["tier"]),
        created_at=utc(row["entry_time"]),
        mode=Mode(row["mode"]),
        model_version=row["model_version"],
        size=row["size"],
        pattern=PatternKey(row["pattern_hash"], row["pattern_name"]) if row["pattern_hash"] else None,
    )
