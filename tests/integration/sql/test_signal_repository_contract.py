"""One contract, three implementations: the in-memory fake, SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest
import sqlalchemy as sa

from adapters.sql import SqlSignalRepository, downgrade, upgrade
from domain.market.candles import Direction, Pair
from domain.signals.signal import Mode, Signal, Tier
from tests.fakes.ports import InMemorySignalRepository
from tests.integration.sql.conftest import migrated_engine

T0 = datetime(2025, 3, 30, 0, 58, tzinfo=UTC)
TABLES = ("risk_book", "patterns", "model_deployments", "guard_state", "account_days", "control_changes",
          "equity_snapshots")


def make_signal(pair: str = "BTCUSDT", minutes: int = 0, direction: Direction = Direction.LONG) -> Signal:
    sign = direction.sign
    return Signal(signal_id=f"{pair}-{minutes}-{direction.value}", pair=Pair(pair), direction=direction,
                  entry=100.0, take_profit=100 + sign * 3.0, stop_loss=100 - sign * 2.0, confidence=0.66,
                  tier=Tier.MEDIUM, created_at=T0 + timedelta(minutes=minutes), mode=Mode.DRYRUN,
                  model_version="baseline-x")


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def repository(request, tmp_path):
    if request.param == "memory":
        yield InMemorySignalRepository()
        return
    yield SqlSignalRepository(migrated_engine(request, tmp_path, request.param))


def test_round_trip_keeps_every_field(repository) -> None:
    signal = make_signal(direction=Direction.SHORT)
    assert repository.add(signal) is True
    loaded = repository.get(signal.signal_id)
    assert loaded == signal
    assert loaded.created_at.tzinfo is not None and loaded.rr == pytest.approx(1.5)


def test_the_size_the_guard_gave_round_trips(repository) -> None:
    sized = attrs.evolve(make_signal(), size=0.037)
    repository.add(sized)
    assert repository.get(sized.signal_id).size == 0.037


def test_add_is_idempotent_on_signal_id(repository) -> None:
    signal = make_signal()
    assert repository.add(signal) is True
    assert repository.add(signal) is False
    assert repository.count() == 1


def test_list_orders_by_time_and_filters_by_pair(repository) -> None:
    for minutes, pair in ((5, "ETHUSDT"), (1, "BTCUSDT"), (3, "BTCUSDT")):
        repository.add(make_signal(pair, minutes))
    assert [s.signal_id for s in repository.list()] == ["BTCUSDT-1-LONG", "BTCUSDT-3-LONG", "ETHUSDT-5-LONG"]
    assert [s.signal_id for s in repository.list(pair=Pair("ETHUSDT"))] == ["ETHUSDT-5-LONG"]
    assert len(repository.list(limit=2)) == 2
    assert repository.get("missing") is None


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_migrations_upgrade_from_empty_and_downgrade_cleanly(backend, tmp_path, request) -> None:
    engine = migrated_engine(request, tmp_path, backend)
    upgrade(engine)  # already at head: nothing to do
    inspector = sa.inspect(engine)
    assert set(TABLES) <= set(inspector.get_table_names())
    indexes = {ix["name"] for ix in inspector.get_indexes("risk_book")}
    assert {"ix_risk_book_signal_id", "ix_risk_book_entry_time", "ix_risk_book_pair", "ix_risk_book_mode",
            "ix_risk_book_stats"} <= indexes
    downgrade(engine)
    assert not set(TABLES) & set(sa.inspect(engine).get_table_names())
