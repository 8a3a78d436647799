"""In-memory fakes of the runtime-state ports; they pass the same contract tests as the SQL
adapters (tests/integration/sql/test_risk_book_contract.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from application.runtime.outbox import OutboxMessage
from application.runtime.ports import (
    ControlChange,
    ControlRepository,
    EntryFill,
    EquitySnapshot,
    OrderIntents,
    RiskBookUnitOfWork,
)
from domain.risk.emission import GuardState
from domain.signals.signal import Mode, Signal
from domain.stats.outcomes import OutcomeConflict, TradeOutcome, UnknownSignal
from tests.fakes.outbox import InMemoryOutbox


def close_outcome(outcomes: dict[str, TradeOutcome], known: bool, outcome: TradeOutcome) -> bool:
    """The outcome contract of the SQL adapters: unknown ids and different second outcomes raise
    (before anything changes, as a rolled-back transaction); the same outcome again is a no-op."""
    if not known:
        raise UnknownSignal(f"risk_book has no signal_id {outcome.signal_id!r}")
    stored = outcomes.get(outcome.signal_id)
    if stored is None:
        outcomes[outcome.signal_id] = outcome
        return True
    if stored != outcome:
        raise OutcomeConflict(f"risk_book signal {outcome.signal_id!r} is already closed with a different outcome")
    return False


class InMemoryRiskBook(RiskBookUnitOfWork):
    """One account's risk book. The rows are public for tests to inspect: ``signals`` and
    ``outcomes`` by signal_id, the saved ``state``, ``days`` as day -> (start, end balance) and the
    equity ``snapshots``. Set ``fail_with`` to make every call raise, as a database that is down."""

    def __init__(self, account: str = Mode.DRYRUN.value, fail_with: Exception | None = None,
                 outbox: InMemoryOutbox | None = None) -> None:
        self.account = account
        self.outbox = outbox or InMemoryOutbox()  # the messages record_signal writes with their signal
        self.fail_with = fail_with
        self.signals: dict[str, Signal] = {}
        self.entries: dict[str, EntryFill] = {}  # the opening fills recorded with their signals
        self.outcomes: dict[str, TradeOutcome] = {}
        self.state: GuardState | None = None
        self.days: dict[date, tuple[float, float | None]] = {}
        self.snapshots: list[EquitySnapshot] = []

    def _check_up(self) -> None:
        if self.fail_with is not None:
            raise self.fail_with

    def load_state(self) -> GuardState | None:
        self._check_up()
        return self.state

    def record_signal(self, signal: Signal, state: GuardState, message: OutboxMessage | None = None,
                      entry: EntryFill | None = None) -> bool:
        self._check_up()
        if signal.signal_id in self.signals:
            return False
        self.signals[signal.signal_id] = signal
        if entry is not None:
            self.entries[signal.signal_id] = entry
        if message is not None:
            self.outbox.add(message)
        self._save(state)
        return True

    def record_outcome(self, outcome: TradeOutcome, state: GuardState) -> bool:
        self._check_up()
        closed = self._close(outcome)  # raises before anything changes, as a rolled-back transaction
        self._save(state)
        return closed

    def save_state(self, state: GuardState, snapshot: EquitySnapshot | None = None) -> None:
        self._check_up()
        self._save(state)
        if snapshot is not None:
            self.snapshots.append(snapshot)

    def _close(self, outcome: TradeOutcome) -> bool:
        return close_outcome(self.outcomes, outcome.signal_id in self.signals, outcome)

    def _save(self, state: GuardState) -> None:
        account = state.account
        self.state = state
        self.days.update({d.day: (d.start_balance, d.end_balance) for d in account.history})
        self.days[account.day] = (account.day_start_balance, None)


class InMemoryOrderIntents(OrderIntents):
    """``intents`` by signal_id, in the order written; ``fail_with`` makes every call raise."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.intents: dict[str, Signal] = {}
        self.fail_with = fail_with

    def write(self, signal: Signal, at: datetime) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.intents.pop(signal.signal_id, None)
        self.intents[signal.signal_id] = signal

    def pending(self) -> Sequence[Signal]:
        if self.fail_with is not None:
            raise self.fail_with
        return tuple(self.intents.values())

    def discard(self, signal_id: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.intents.pop(signal_id, None)


class InMemoryControlRepository(ControlRepository):
    def __init__(self) -> None:
        self.changes: list[ControlChange] = []

    def record(self, change: ControlChange) -> None:
        self.changes.append(change)

    def latest(self, key: str) -> ControlChange | None:
        return next(iter(self.history(key, limit=1)), None)

    def history(self, key: str | None = None, limit: int = 50) -> Sequence[ControlChange]:
        if limit < 0:
            raise ValueError(f"limit must be >= 0, got {limit}")
        # newest first; among equal times the later recorded first, as the SQL id breaks the tie
        indexed = sorted(enumerate(self.changes), key=lambda p: (p[1].changed_at, p[0]), reverse=True)
        return [c for _, c in indexed if key in (None, c.key)][:limit]
