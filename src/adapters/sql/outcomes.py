"""Closing risk-book rows with their outcome (result, exit, realised R, execution costs)."""

from __future__ import annotations

import math
from typing import Any

import sqlalchemy as sa

from adapters.sql.tables import risk_book
from adapters.sql.timeutil import utc_or_none
from application.stats.ports import OutcomeRepository
from domain.stats.outcomes import OutcomeConflict, TradeOutcome, UnknownSignal

_FIELDS = ("result", "exit_time", "exit_price", "r_realized", "time_to_tp_sl_seconds", "slippage_bps",
           "slippage_expected_bps", "spread_bps", "latency_ms")


class SqlOutcomeRepository(OutcomeRepository):
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def record_outcome(self, outcome: TradeOutcome) -> bool:
        with self._engine.begin() as connection:
            return close_signal(connection, outcome)


def close_signal(connection: sa.Connection, outcome: TradeOutcome) -> bool:
    """Close the signal's row inside the caller's transaction. False when this very outcome is
    already stored; UnknownSignal or OutcomeConflict otherwise, leaving the transaction to roll back."""
    values = _values(outcome)
    # the "result IS NULL" guard makes closing a row a single atomic compare-and-set
    update = (sa.update(risk_book)
              .where(risk_book.c.signal_id == outcome.signal_id, risk_book.c.result.is_(None))
              .values(**values))
    if connection.execute(update).rowcount == 1:
        return True
    stored = connection.execute(sa.select(*(risk_book.c[f] for f in _FIELDS))
                                .where(risk_book.c.signal_id == outcome.signal_id)).first()
    if stored is None:
        raise UnknownSignal(f"risk_book has no signal_id {outcome.signal_id!r}")
    if not _same(dict(stored._mapping), values):
        raise OutcomeConflict(f"risk_book signal {outcome.signal_id!r} is already closed with a different outcome")
    return False


def _values(outcome: TradeOutcome) -> dict[str, Any]:
    return {
        "result": outcome.result.value,
        "exit_time": outcome.exit_time,
        "exit_price": outcome.exit_price,
        "r_realized": outcome.r_realized,
        "time_to_tp_sl_seconds": outcome.time_to_tp_sl_seconds,
        "slippage_bps": outcome.slippage_bps,
        "slippage_expected_bps": outcome.slippage_expected_bps,
        "spread_bps": outcome.spread_bps,
        "latency_ms": outcome.latency_ms,
    }


def _same(stored: dict[str, Any], wanted: dict[str, Any]) -> bool:
    for field in _FIELDS:
        have, want = stored[field], wanted[field]
        if field == "exit_time":
            have = utc_or_none(have)
        if isinstance(want, float) and isinstance(have, float):
            if not math.isclose(have, want, rel_tol=1e-12, abs_tol=1e-12):
                return False
        elif have != want:
            return False
    return True
