"""The risk book's unit of work and the control history: one contract over the in-memory fake,
SQLite and Postgres."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import attrs
import pytest
import sqlalchemy as sa

from adapters.sql import SqlControlRepository, SqlRiskBook, UnreadableState
from adapters.sql.tables import account_days, equity_snapshots, guard_state, risk_book
from adapters.sql.timeutil import utc
from application.runtime.ports import ControlChange, EquitySnapshot
from domain.market.candles import Direction
from domain.risk.account import roll_to
from domain.risk.emission import set_kill_switch
from domain.signals.signal import Mode, Signal, Tier
from domain.stats.outcomes import OutcomeConflict, Result, TradeOutcome, UnknownSignal
from tests.fakes.risk_book import InMemoryControlRepository, InMemoryRiskBook
from tests.integration.sql.conftest import migrated_engine
from tests.integration.sql.states import BTC, START, fresh_state, rich_state, with_emissions

DAY = date(2025, 3, 29)


def make_signal(n: int, size: float | None = 0.25) -> Signal:
    return Signal(signal_id=f"BTCUSDT-{n}", pair=BTC, direction=Direction.LONG, entry=100.0, take_profit=103.0,
                  stop_loss=98.0, confidence=0.71, tier=Tier.HIGH, created_at=START + timedelta(minutes=n),
                  mode=Mode.DRYRUN, model_version="m1", size=size)


def make_outcome(n: int, won: bool = True) -> TradeOutcome:
    return TradeOutcome(signal_id=f"BTCUSDT-{n}", result=Result.WIN if won else Result.LOSS,
                        exit_time=START + timedelta(hours=1), exit_price=103.0 if won else 98.0,
                        r_realized=1.5 if won else -1.0)


def memory_store() -> SimpleNamespace:
    book = InMemoryRiskBook()
    return SimpleNamespace(
        book=book, controls=InMemoryControlRepository(), engine=None,
        days=lambda: dict(book.days),
        result=lambda signal_id: (book.outcomes[signal_id].result.value if signal_id in book.outcomes else None),
        signal_ids=lambda: sorted(book.signals),
        snapshots=lambda: list(book.snapshots))


def sql_store(engine: sa.Engine, account: str = "dryrun") -> SimpleNamespace:
    def rows(query):
        with engine.connect() as connection:
            return [row._mapping for row in connection.execute(query)]

    def result(signal_id):
        return rows(sa.select(risk_book.c.result).where(risk_book.c.signal_id == signal_id))[0]["result"]

    def snapshots():
        query = sa.select(equity_snapshots).where(equity_snapshots.c.account == account).order_by(equity_snapshots.c.id)
        return [EquitySnapshot(utc(r["at"]), r["balance"], r["equity"], r["day"], r["day_start_balance"],
                               r["open_positions"]) for r in rows(query)]

    return SimpleNamespace(
        book=SqlRiskBook(engine, account), controls=SqlControlRepository(engine), engine=engine,
        days=lambda: {r["day"]: (r["start_balance"], r["end_balance"])
                      for r in rows(sa.select(account_days).where(account_days.c.account == account))},
        result=result,
        signal_ids=lambda: [r["signal_id"] for r in rows(sa.select(risk_book.c.signal_id).order_by("signal_id"))],
        snapshots=snapshots)


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def store(request, tmp_path):
    if request.param == "memory":
        yield memory_store()
        return
    yield sql_store(migrated_engine(request, tmp_path, request.param))


@pytest.fixture(params=["sqlite", "postgres"])
def sql(request, tmp_path):
    """The SQL stores alone, for what only a database can get wrong."""
    return sql_store(migrated_engine(request, tmp_path, request.param))


def test_record_then_load_gives_back_the_state(store) -> None:
    assert store.book.load_state() is None
    state = rich_state()
    assert store.book.record_signal(make_signal(1), state) is True
    assert store.book.load_state() == state
    assert store.signal_ids() == ["BTCUSDT-1"] and store.result("BTCUSDT-1") is None


def test_a_duplicate_signal_writes_nothing(store) -> None:
    first = fresh_state()
    store.book.record_signal(make_signal(1), first)
    days = store.days()
    assert store.book.record_signal(make_signal(1), rich_state()) is False
    assert store.book.load_state() == first and store.days() == days
    assert store.signal_ids() == ["BTCUSDT-1"]


def test_an_outcome_closes_the_row_and_saves_the_state(store) -> None:
    store.book.record_signal(make_signal(1), fresh_state())
    closed = set_kill_switch(fresh_state(), True, "after the loss")
    assert store.book.record_outcome(make_outcome(1, won=False), closed) is True
    assert store.result("BTCUSDT-1") == "L" and store.book.load_state() == closed
    # the same outcome again is no change to the row, yet the state given is saved all the same
    assert store.book.record_outcome(make_outcome(1, won=False), rich_state()) is False
    assert store.book.load_state() == rich_state()


def test_an_outcome_conflict_raises_and_keeps_the_state_as_it_was(store) -> None:
    store.book.record_signal(make_signal(1), fresh_state())
    won = with_emissions(fresh_state(), 1)
    store.book.record_outcome(make_outcome(1, won=True), won)
    with pytest.raises(OutcomeConflict, match="BTCUSDT-1"):
        store.book.record_outcome(make_outcome(1, won=False), rich_state())
    with pytest.raises(UnknownSignal, match="BTCUSDT-404"):
        store.book.record_outcome(attrs.evolve(make_outcome(1), signal_id="BTCUSDT-404"), rich_state())
    assert store.result("BTCUSDT-1") == "W" and store.book.load_state() == won


def test_account_days_hold_each_prague_day_start_balance(store) -> None:
    state = fresh_state()
    assert state.account.day == DAY
    store.book.save_state(state)
    assert store.days() == {DAY: (100_000.0, None)}
    richer = attrs.evolve(state.account, balance=100_750.25)
    # 23:00 UTC on the 29th is midnight in Prague (CET): the 30th begins
    rolled = attrs.evolve(state, account=roll_to(richer, datetime(2025, 3, 29, 23, 0, tzinfo=UTC)))
    snapshot = EquitySnapshot(datetime(2025, 3, 29, 23, 0, 1, 250, tzinfo=UTC), 100_750.25, 100_700.5,
                              date(2025, 3, 30), 100_750.25, 1)
    store.book.save_state(rolled, snapshot)
    store.book.save_state(rolled)  # saving again changes nothing
    assert store.days() == {DAY: (100_000.0, 100_750.25), date(2025, 3, 30): (100_750.25, None)}
    assert store.snapshots() == [snapshot]
    assert store.book.load_state() == rolled


def test_control_history_is_newest_first(store) -> None:
    controls = store.controls
    assert controls.latest("kill_switch") is None and controls.history() == []
    at = datetime(2025, 6, 1, 12, 0, 0, 500, tzinfo=UTC)
    changes = [ControlChange("kill_switch", "on", "alice", at, "news at 14:30"),
               ControlChange("tier_high", "0.75", "bob", at + timedelta(minutes=5)),
               ControlChange("kill_switch", "off", "alice", at + timedelta(minutes=10), "news passed"),
               ControlChange("kill_switch", "on", "runtime", at + timedelta(minutes=10), "same instant, later")]
    for change in (changes[2], changes[0], changes[3], changes[1]):
        controls.record(change)
    assert controls.history() == [changes[3], changes[2], changes[1], changes[0]]
    assert controls.history("kill_switch", limit=2) == [changes[3], changes[2]]
    assert controls.latest("tier_high") == changes[1] and controls.latest("tier_low") is None
    assert controls.history(limit=0) == []
    with pytest.raises(ValueError, match="limit"):
        controls.history(limit=-1)


@pytest.mark.parametrize("write", ["signal", "outcome"])
def test_a_failing_state_write_takes_the_risk_book_row_back_with_it(sql, write) -> None:
    before = fresh_state()
    sql.book.record_signal(make_signal(1), before)
    with sql.engine.begin() as connection:  # the last table the state write touches: everything before it ran
        account_days.drop(connection)
    with pytest.raises(sa.exc.DBAPIError, match="account_days"):
        if write == "signal":
            sql.book.record_signal(make_signal(2), rich_state())
        else:
            sql.book.record_outcome(make_outcome(1), rich_state())
    assert sql.signal_ids() == ["BTCUSDT-1"] and sql.result("BTCUSDT-1") is None
    assert sql.book.load_state() == before


def test_an_unencodable_state_writes_no_row_either(sql) -> None:
    naive = attrs.evolve(rich_state(), as_of=datetime(2025, 3, 30, 1, 0))
    with pytest.raises(ValueError, match="UTC"):
        sql.book.record_signal(make_signal(1), naive)
    assert sql.signal_ids() == [] and sql.book.load_state() is None


def test_a_damaged_stored_state_raises_naming_the_row(sql) -> None:
    sql.book.save_state(rich_state())
    with sql.engine.begin() as connection:
        connection.execute(sa.update(guard_state).values(state_json='{"format": 1, "state": {"account": 7}}'))
    with pytest.raises(UnreadableState, match=r"guard_state row of account 'dryrun'.*account"):
        sql.book.load_state()


def test_each_account_keeps_its_own_state(sql) -> None:
    replay = sql_store(sql.engine, "replay")
    sql.book.save_state(fresh_state(), EquitySnapshot(START, 1.0, 1.0, DAY, 1.0, 0))
    replay.book.save_state(fresh_state(50_000.0))
    assert sql.book.load_state() == fresh_state() and replay.book.load_state() == fresh_state(50_000.0)
    assert replay.days() == {DAY: (50_000.0, None)} and replay.snapshots() == []


@pytest.mark.parametrize("account", ["", "a-replay-name-too-long"])
def test_an_account_name_that_does_not_fit_is_refused(sql, account) -> None:
    with pytest.raises(ValueError, match="1 to 16 characters"):
        SqlRiskBook(sql.engine, account)


def test_a_control_key_too_long_for_its_column_is_refused_on_every_backend(sql) -> None:
    with pytest.raises(ValueError, match="key is longer than 64"):
        sql.controls.record(ControlChange("k" * 65, "on", "alice", START))
    assert sql.controls.history() == []


def test_the_fake_fails_every_call_like_a_database_that_is_down() -> None:
    down = ConnectionError("database is down")
    book = InMemoryRiskBook(fail_with=down)
    for call in (book.load_state, lambda: book.record_signal(make_signal(1), fresh_state()),
                 lambda: book.record_outcome(make_outcome(1), fresh_state()), lambda: book.save_state(fresh_state())):
        with pytest.raises(ConnectionError):
            call()
    assert (book.signals, book.state, book.days, book.snapshots) == ({}, None, {}, [])
    book.fail_with = None
    assert book.record_signal(make_signal(1), fresh_state()) is True
