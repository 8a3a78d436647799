"""Migration 0007: pattern counts kept per mode, so a dry-run's or a replay's closes never move a
live signal's confidence; on both backends, with the counts written before it kept as dry-run."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from adapters.sql import SqlPatternRepository, downgrade, upgrade
from domain.signals.patterns import PatternRecord
from domain.signals.signal import Mode

NOW = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
KEY = "0123456789abcdef"


def test_dry_run_and_live_count_the_same_pattern_apart(engine) -> None:
    dry, live = SqlPatternRepository(engine, Mode.DRYRUN), SqlPatternRepository(engine, Mode.LIVE)
    for won in (True, True, False):
        dry.record_outcome(KEY, "BTCUSDT long", won, NOW)
    live.record_outcome(KEY, "BTCUSDT long", False, NOW.replace(hour=11))
    assert dry.get(KEY) == PatternRecord(KEY, "BTCUSDT long", 2, 3)
    assert live.get(KEY) == PatternRecord(KEY, "BTCUSDT long", 0, 1)
    assert [r.total for r in dry.list_above(1)] == [3] and [r.total for r in live.list_above(1)] == [1]
    assert dry.latest_outcome_at() == NOW and live.latest_outcome_at() == NOW.replace(hour=11)


def test_counts_written_before_0007_stay_as_dry_run_and_a_downgrade_keeps_only_those(engine) -> None:
    downgrade(engine, "0006")
    with engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO patterns (name, pattern_hash, wins, total, created_at, updated_at) "
                                   "VALUES ('old', :h, 4, 9, :t, :t)"), {"h": KEY, "t": NOW})
    upgrade(engine)
    assert SqlPatternRepository(engine).get(KEY) == PatternRecord(KEY, "old", 4, 9)
    assert SqlPatternRepository(engine, Mode.LIVE).get(KEY) is None
    SqlPatternRepository(engine, Mode.LIVE).record_outcome(KEY, "old", True, NOW)
    downgrade(engine, "0006")
    with engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT wins, total FROM patterns")).all()
    assert [tuple(r) for r in rows] == [(4, 9)]
    upgrade(engine)


def test_a_mode_outside_dryrun_and_live_is_refused_by_the_schema(engine) -> None:
    SqlPatternRepository(engine).record_outcome(KEY, "p", True, NOW)
    with pytest.raises(sa.exc.IntegrityError), engine.begin() as connection:
        connection.execute(sa.text("UPDATE patterns SET mode = 'paper'"))
