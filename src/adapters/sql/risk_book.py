"""The runtime's state in SQL: the guard state per account, its day-start balances, equity
snapshots and the trader's control changes.

A signal or an outcome and the guard state that consumed it are written in one transaction, so
after a crash the risk book and the state agree: both are there or neither is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from adapters.sql.dialect import upsert
from adapters.sql.outbox import insert_message
from adapters.sql.outcomes import close_signal
from adapters.sql.signals import insert_signal
from adapters.sql.state_codec import decode_state, encode_state
from adapters.sql.tables import account_days, control_changes, equity_snapshots, guard_state
from adapters.sql.timeutil import utc
from application.runtime.outbox import OutboxMessage
from application.runtime.ports import ControlChange, ControlRepository, EntryFill, EquitySnapshot, RiskBookUnitOfWork
from domain.risk.emission import GuardState
from domain.signals.signal import Signal
from domain.stats.outcomes import TradeOutcome

_ACCOUNT_LENGTH: int = guard_state.c.account.type.length  # type: ignore[attr-defined]


def _check_account(account: str) -> str:
    """Any name that fits the column: 'dryrun' and 'live', and replays keep an account of their own."""
    if not account or len(account) > _ACCOUNT_LENGTH:
        raise ValueError(f"account must be a name of 1 to {_ACCOUNT_LENGTH} characters, got {account!r}")
    return account


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class SqlRiskBook(RiskBookUnitOfWork):
    """``clock`` only stamps guard_state.updated_at, an audit column, and the outbox's created_at
    (wall-clock time, as the outbox's retries): the rules read the times held in the state itself."""

    def __init__(self, engine: sa.Engine, account: str, clock: Callable[[], datetime] = _wall_clock) -> None:
        self._engine = engine
        self._account = _check_account(account)
        self._clock = clock

    def load_state(self) -> GuardState | None:
        query = sa.select(guard_state.c.state_json).where(guard_state.c.account == self._account)
        with self._engine.connect() as connection:
            text = connection.execute(query).scalar_one_or_none()
        return None if text is None else decode_state(text, f"guard_state row of account {self._account!r}")

    def record_signal(self, signal: Signal, state: GuardState, message: OutboxMessage | None = None,
                      entry: EntryFill | None = None) -> bool:
        with self._engine.begin() as connection:
            if not insert_signal(connection, signal, entry):
                return False
            if message is not None:  # the announcement commits, or rolls back, with the signal
                insert_message(connection, message, self._clock())
            self._write_state(connection, state)
        return True

    def record_outcome(self, outcome: TradeOutcome, state: GuardState) -> bool:
        with self._engine.begin() as connection:
            closed = close_signal(connection, outcome)  # a conflict raises here and rolls everything back
            self._write_state(connection, state)
        return closed

    def save_state(self, state: GuardState, snapshot: EquitySnapshot | None = None) -> None:
        with self._engine.begin() as connection:
            self._write_state(connection, state)
            if snapshot is not None:
                connection.execute(sa.insert(equity_snapshots).values(account=self._account, **_snapshot(snapshot)))

    def _write_state(self, connection: sa.Connection, state: GuardState) -> None:
        document = encode_state(state)
        upsert(connection, guard_state, [{"account": self._account, "state_json": document,
                                          "updated_at": self._clock()}], key=("account",))
        upsert(connection, account_days, self._day_rows(state), key=("account", "day"), skip_unchanged=True)

    def _day_rows(self, state: GuardState) -> list[dict[str, Any]]:
        """Every finished day and the running one (no end balance yet). Rewriting them all keeps the
        table right even after a save was lost; unchanged rows are skipped."""
        account = state.account
        days: dict[date, tuple[float, float | None]] = {d.day: (d.start_balance, d.end_balance)
                                                        for d in account.history}
        days[account.day] = (account.day_start_balance, None)
        return [{"account": self._account, "day": day, "start_balance": start, "end_balance": end}
                for day, (start, end) in sorted(days.items())]


def _snapshot(snapshot: EquitySnapshot) -> dict[str, Any]:
    return {"at": snapshot.at, "balance": snapshot.balance, "equity": snapshot.equity, "day": snapshot.day,
            "day_start_balance": snapshot.day_start_balance, "open_positions": snapshot.open_positions}


_NEWEST_FIRST = (control_changes.c.changed_at.desc(), control_changes.c.id.desc())


class SqlControlRepository(ControlRepository):
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def record(self, change: ControlChange) -> None:
        _check_fits(change)
        with self._engine.begin() as connection:
            connection.execute(sa.insert(control_changes).values(
                key=change.key, value=change.value, changed_by=change.changed_by, reason=change.reason,
                changed_at=change.changed_at))

    def latest(self, key: str) -> ControlChange | None:
        changes = self.history(key, limit=1)
        return changes[0] if changes else None

    def history(self, key: str | None = None, limit: int = 50) -> Sequence[ControlChange]:
        if limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        query = sa.select(control_changes).order_by(*_NEWEST_FIRST).limit(limit)
        if key is not None:
            query = query.where(control_changes.c.key == key)
        with self._engine.connect() as connection:
            return [_change(row._mapping) for row in connection.execute(query)]


def _check_fits(change: ControlChange) -> None:
    """Postgres refuses a string longer than its column and SQLite keeps it: refuse it on both."""
    for name in ("key", "changed_by"):
        limit = control_changes.c[name].type.length  # type: ignore[attr-defined]
        if len(getattr(change, name)) > limit:
            raise ValueError(f"control change {name} is longer than {limit} characters")


def _change(row: Any) -> ControlChange:
    return ControlChange(key=row["key"], value=row["value"], changed_by=row["changed_by"],
                         changed_at=utc(row["changed_at"]), reason=row["reason"])
