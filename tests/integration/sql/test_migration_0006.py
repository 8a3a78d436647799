"""Migration 0006 (the signal's pattern on risk_book) upgrades and downgrades the same on both backends,
and a signal's pattern goes into the risk book and comes back."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from adapters.sql import SqlSignalRepository, downgrade, upgrade
from domain.market.candles import Direction, Pair
from domain.signals.patterns import PatternKey
from domain.signals.signal import Mode, Signal, Tier

NOW = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


def _risk_book(engine: sa.Engine) -> tuple:
    """Columns, keys, indexes and check constraints: what a downgrade and a batch rebuild must keep."""
    inspector = sa.inspect(engine)
    return (tuple((c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns("risk_book")),
            tuple(inspector.get_pk_constraint("risk_book")["constrained_columns"]),
            tuple(sorted((ix["name"], tuple(ix["column_names"]), bool(ix["unique"]))
                         for ix in inspector.get_indexes("risk_book"))),
            tuple(sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints("risk_book"))),
            tuple(sorted(c["name"] for c in inspector.get_check_constraints("risk_book"))))


def _signal(pattern: PatternKey | None) -> Signal:
    return Signal(signal_id=f"BTCUSDT-20250303T1000Z-{'L' if pattern else 'S'}", pair=Pair("BTCUSDT"),
                  direction=Direction.LONG if pattern else Direction.SHORT, entry=100.0,
                  take_profit=103.0 if pattern else 97.0, stop_loss=98.0 if pattern else 102.0, confidence=0.6,
                  tier=Tier.MEDIUM, created_at=NOW, mode=Mode.DRYRUN, pattern=pattern)


def test_the_pattern_columns_are_nullable_and_sized_like_the_patterns_table(engine) -> None:
    columns = {c["name"]: c for c in sa.inspect(engine).get_columns("risk_book")}
    assert columns["pattern_hash"]["nullable"] and columns["pattern_name"]["nullable"]
    assert (columns["pattern_hash"]["type"].length, columns["pattern_name"]["type"].length) == (64, 120)


def test_downgrade_to_0005_drops_only_the_pattern_columns_and_keeps_every_constraint(engine) -> None:
    at_head = _risk_book(engine)
    downgrade(engine, "0006")
    at_0006 = _risk_book(engine)
    downgrade(engine, "0005")
    at_0005 = _risk_book(engine)
    assert [c[0] for c in at_0006[0] if c not in at_0005[0]] == ["pattern_hash", "pattern_name"]
    assert at_0005[1:] == at_0006[1:]  # SQLite rebuilt the table: keys, indexes and checks are all still there
    assert {"ck_risk_book_result", "ck_risk_book_mode"} <= set(at_0005[4])
    upgrade(engine)
    assert _risk_book(engine) == at_head


def test_a_signals_pattern_is_stored_and_read_back(engine) -> None:
    signals = SqlSignalRepository(engine)
    key = PatternKey("0123456789abcdef", "BTCUSDT long london high-vol uptrend conf 60-70%")
    assert signals.add(_signal(key)) and signals.add(_signal(None))
    assert signals.get("BTCUSDT-20250303T1000Z-L").pattern == key
    assert signals.get("BTCUSDT-20250303T1000Z-S").pattern is None


def test_a_check_constraint_still_refuses_a_bad_result_after_the_round_trip(engine) -> None:
    downgrade(engine, "0005")
    upgrade(engine)
    SqlSignalRepository(engine).add(_signal(None))
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sa.text("UPDATE risk_book SET result = 'X'"))
