"""Outcomes, patterns, deployments and /stats queries: one contract over memory, SQLite and Postgres."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import attrs
import pytest

from adapters.sql import (
    SqlDeploymentRepository,
    SqlOutcomeRepository,
    SqlPatternRepository,
    SqlPerformanceQueries,
    SqlSignalRepository,
)
from domain.market.candles import Direction, Pair
from domain.models.deployments import ModelDeployment
from domain.signals.signal import Mode, Signal, Tier
from domain.stats.outcomes import OutcomeConflict, Result, TradeOutcome, UnknownSignal
from tests.fakes.ports import InMemorySignalRepository
from tests.integration.sql.conftest import migrated_engine
from tests.unit.persistence.fakes import InMemoryDeploymentRepository, InMemoryPatternRepository, InMemoryRiskBook

NOW = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)


def signal(n: int, *, days_ago: float, tier: Tier = Tier.HIGH, mode: Mode = Mode.DRYRUN,
           model: str = "m1") -> Signal:
    return Signal(signal_id=f"S{n}", pair=Pair("BTCUSDT"), direction=Direction.LONG, entry=100.0, take_profit=103.0,
                  stop_loss=98.0, confidence=0.72, tier=tier, created_at=NOW - timedelta(days=days_ago), mode=mode,
                  model_version=model)


def outcome(n: int, won: bool, **extra) -> TradeOutcome:
    return TradeOutcome(signal_id=f"S{n}", result=Result.WIN if won else Result.LOSS,
                        exit_time=NOW - timedelta(hours=1), exit_price=103.0 if won else 98.0,
                        r_realized=1.5 if won else -1.0, **extra)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request, tmp_path):
    if request.param == "memory":
        signals = InMemorySignalRepository()
        book = InMemoryRiskBook(signals)
        yield SimpleNamespace(signals=signals, outcomes=book, queries=book, patterns=InMemoryPatternRepository(),
                              deployments=InMemoryDeploymentRepository(), engine=None)
        return
    engine = migrated_engine(request, tmp_path, request.param)
    yield SimpleNamespace(signals=SqlSignalRepository(engine), outcomes=SqlOutcomeRepository(engine),
                          queries=SqlPerformanceQueries(engine), patterns=SqlPatternRepository(engine),
                          deployments=SqlDeploymentRepository(engine), engine=engine)


def test_outcome_closes_a_signal_once_and_is_idempotent(store) -> None:
    store.signals.add(signal(1, days_ago=1))
    closing = outcome(1, True, time_to_tp_sl_seconds=420, slippage_bps=1.2, spread_bps=0.8, latency_ms=35)
    assert store.outcomes.record_outcome(closing) is True
    assert store.outcomes.record_outcome(closing) is False
    with pytest.raises(OutcomeConflict, match="S1"):
        store.outcomes.record_outcome(outcome(1, False))
    with pytest.raises(UnknownSignal, match="S404"):
        store.outcomes.record_outcome(attrs.evolve(closing, signal_id="S404"))
    [(tier, perf)] = store.queries.performance_by_tier(NOW - timedelta(days=7), NOW).items()
    assert (tier, perf.count, perf.wins, perf.avg_r) == ("HIGH", 1, 1, 1.5)


def test_outcome_columns_are_stored(store) -> None:
    if store.engine is None:
        pytest.skip("columns are an SQL concern")
    import sqlalchemy as sa

    from adapters.sql.tables import risk_book

    store.signals.add(signal(1, days_ago=1))
    store.outcomes.record_outcome(outcome(1, False, time_to_tp_sl_seconds=60.5, slippage_bps=2.0, spread_bps=1.0,
                                          latency_ms=12.0))
    with store.engine.connect() as connection:
        row = connection.execute(sa.select(risk_book).where(risk_book.c.signal_id == "S1")).one()._mapping
    assert (row["result"], row["exit_price"], row["r_realized"]) == ("L", 98.0, -1.0)
    assert (row["time_to_tp_sl_seconds"], row["slippage_bps"], row["spread_bps"], row["latency_ms"]) == (
        60.5, 2.0, 1.0, 12.0)
    exit_time = row["exit_time"]
    assert exit_time.replace(tzinfo=exit_time.tzinfo or UTC) == NOW - timedelta(hours=1)


def test_windows_by_tier_and_model_count_only_closed_rows_inside(store) -> None:
    rows = [(1, 2, Tier.HIGH, "m1", True), (2, 3, Tier.HIGH, "m1", False), (3, 5, Tier.MEDIUM, "m2", True),
            (4, 10, Tier.HIGH, "m2", True), (5, 40, Tier.HIGH, "m1", True)]
    for n, days, tier, model, won in rows:
        store.signals.add(signal(n, days_ago=days, tier=tier, model=model))
        store.outcomes.record_outcome(outcome(n, won))
    store.signals.add(signal(6, days_ago=1))  # open: no outcome yet
    store.signals.add(signal(7, days_ago=-1))  # after now
    store.outcomes.record_outcome(outcome(7, True))
    week = store.queries.performance_by_tier(NOW - timedelta(days=7), NOW)
    assert {k: (p.count, p.wins) for k, p in week.items()} == {"HIGH": (2, 1), "MEDIUM": (1, 1)}
    assert week["HIGH"].avg_r == pytest.approx(0.25)
    month = store.queries.performance_by_model(NOW - timedelta(days=30), NOW)
    assert {k: (p.count, p.wins) for k, p in month.items()} == {"m1": (2, 1), "m2": (2, 2)}
    hours = store.queries.performance_by_hour(NOW - timedelta(days=30), NOW)
    assert list(hours) == sorted(NOW - timedelta(days=d) for d in (10, 5, 3, 2))  # NOW is on the hour
    assert all(h.tzinfo is not None for h in hours)
    assert [(p.count, p.wins) for p in hours.values()] == [(1, 1), (1, 1), (1, 0), (1, 1)]
    assert store.queries.performance_by_tier(NOW - timedelta(days=7), NOW, Mode.LIVE) == {}
    with pytest.raises(ValueError, match="empty"):
        store.queries.performance_by_tier(NOW, NOW)


def test_patterns_count_outcomes_and_rank_above_the_floor(store) -> None:
    for won in (True, True, False):
        store.patterns.record_outcome("h-a", "double bottom", won, NOW)
    last = store.patterns.record_outcome("h-b", "flag", True, NOW)
    assert (last.wins, last.total) == (1, 1)
    assert store.patterns.get("h-a").win_rate == pytest.approx(2 / 3)
    assert store.patterns.get("missing") is None
    assert [p.pattern_hash for p in store.patterns.list_above(1)] == ["h-b", "h-a"]
    assert [p.pattern_hash for p in store.patterns.list_above(3)] == ["h-a"]
    with pytest.raises(ValueError, match="sample_floor"):
        store.patterns.list_above(0)


def test_concurrent_pattern_increments_are_never_lost(store) -> None:
    if store.engine is None:
        pytest.skip("the fake is single-threaded")

    def worker() -> None:
        for _ in range(25):
            store.patterns.record_outcome("h-c", "wedge", True, NOW)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert (store.patterns.get("h-c").wins, store.patterns.get("h-c").total) == (100, 100)


def test_deployments_latest_list_and_rollback(store) -> None:
    first = ModelDeployment("v1", "models/v1.pt", NOW - timedelta(days=3), {"auc": 0.61})
    second = ModelDeployment("v2", "models/v2.pt", NOW - timedelta(days=1), {"auc": 0.64, "brier": 0.21})
    assert store.deployments.latest() is None
    store.deployments.add(second)
    store.deployments.add(first)
    assert store.deployments.latest() == second
    assert store.deployments.list() == [second, first]
    assert store.deployments.list(limit=1) == [second]
    assert store.deployments.mark_rolled_back("v2", "live win rate 38% after 50 trades") is True
    assert store.deployments.mark_rolled_back("v2", "again") is False
    assert store.deployments.mark_rolled_back("v9", "unknown") is False
    assert store.deployments.latest() == first
    rolled = store.deployments.latest(include_rolled_back=True)
    assert rolled.rollback_reason == "live win rate 38% after 50 trades" and rolled.metrics == {"auc": 0.64,
                                                                                                 "brier": 0.21}


def test_hour_buckets_group_trades_by_utc_hour(store) -> None:
    for n, minutes in enumerate((0, 15, 59, 60, 61)):
        store.signals.add(attrs.evolve(signal(n, days_ago=1), created_at=NOW - timedelta(hours=5) + timedelta(
            minutes=minutes)))
        store.outcomes.record_outcome(outcome(n, n % 2 == 0))
    hours = store.queries.performance_by_hour(NOW - timedelta(hours=6), NOW)
    start = NOW - timedelta(hours=5)
    assert {h: (p.count, p.wins) for h, p in hours.items()} == {start: (3, 2), start + timedelta(hours=1): (2, 1)}
