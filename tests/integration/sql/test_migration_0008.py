"""Migration 0008: the order intents a live runtime writes before each order, and the entry-fill
columns of risk_book; on both backends, with the intents kept apart by mode and read back exactly."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from adapters.sql import downgrade, upgrade
from adapters.sql.order_intents import SqlOrderIntents
from adapters.sql.state_codec import UnreadableState
from adapters.sql.tables import order_intents
from domain.market.candles import Direction, Pair
from domain.signals.patterns import PatternKey
from domain.signals.signal import Mode, Signal, Tier
from tests.integration.sql.test_migration_0006 import _risk_book

NOW = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
ENTRY_COLUMNS = ["entry_fill_price", "entry_slippage_bps", "entry_spread_bps", "entry_latency_ms"]


def _signal(minute: int, mode: Mode = Mode.LIVE) -> Signal:
    return Signal(signal_id=f"BTCUSDT-20250303T10{minute:02d}Z-L", pair=Pair("BTCUSDT"), direction=Direction.LONG,
                  entry=60_000.125, take_profit=61_500.0, stop_loss=59_000.0, confidence=0.7125, tier=Tier.HIGH,
                  created_at=NOW.replace(minute=minute), mode=mode, model_version="v1.2.0", size=0.37,
                  pattern=PatternKey("0123456789abcdef", "BTCUSDT long london"))


def test_intents_are_read_back_exactly_oldest_first_and_apart_by_mode(engine) -> None:
    live, dry = SqlOrderIntents(engine, Mode.LIVE), SqlOrderIntents(engine, Mode.DRYRUN)
    later, earlier = _signal(4), _signal(2)
    live.write(later, later.created_at)
    live.write(earlier, earlier.created_at)
    dry.write(_signal(3, Mode.DRYRUN), NOW)
    assert list(live.pending()) == [earlier, later]  # every field, the pattern and the size included
    live.write(earlier, earlier.created_at)  # written again: replaced, not doubled
    assert len(live.pending()) == 2
    live.discard(earlier.signal_id)
    live.discard("never-written")
    assert list(live.pending()) == [later] and len(dry.pending()) == 1


def test_a_damaged_intent_is_refused_naming_its_row(engine) -> None:
    intents = SqlOrderIntents(engine, Mode.LIVE)
    intents.write(_signal(2), NOW)
    with engine.begin() as connection:
        connection.execute(sa.update(order_intents).values(signal_json='{"format": 1, "signal": {"pair": 3}}'))
    with pytest.raises(UnreadableState, match="order_intents row 'BTCUSDT-20250303T1002Z-L'"):
        intents.pending()


def test_downgrade_to_0007_drops_the_table_and_only_the_entry_columns(engine) -> None:
    at_head = _risk_book(engine)
    downgrade(engine, "0007")
    at_0007 = _risk_book(engine)
    assert [c[0] for c in at_head[0] if c not in at_0007[0]] == ENTRY_COLUMNS
    assert at_0007[1:] == at_head[1:]  # keys, indexes and checks survive SQLite's table rebuild
    assert "order_intents" not in sa.inspect(engine).get_table_names()
    upgrade(engine)
    assert _risk_book(engine) == at_head and "order_intents" in sa.inspect(engine).get_table_names()
