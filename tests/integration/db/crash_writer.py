"""Records signals 0..N-1, one line per signal: "<n> <1 if new else 0>".

Run as ``python -m tests.integration.db.crash_writer URL N [signals|risk_book]``; the crash test
SIGKILLs it mid-way. ``signals`` writes through SqlSignalRepository; ``risk_book`` writes each
signal with the guard state that emitted it through SqlRiskBook, the state after signal n holding
n + 1 emissions, so the stored rows and the stored state can be checked against each other.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import sqlalchemy as sa

from adapters.sql import SqlRiskBook, SqlSignalRepository, create_engine
from domain.risk.emission import GuardState
from tests.integration.db.conftest import make_signal
from tests.integration.sql.states import fresh_state, with_emissions


def state_after(n: int) -> GuardState:
    """The guard state once signal ``n`` is recorded."""
    return with_emissions(fresh_state(), n + 1)


def writer(engine: sa.Engine, book: str) -> Callable[[int], bool]:
    if book == "signals":
        repository = SqlSignalRepository(engine)
        return lambda n: repository.add(make_signal(n))
    risk_book = SqlRiskBook(engine, "dryrun")
    return lambda n: risk_book.record_signal(make_signal(n), state_after(n))


def main(url: str, count: int, book: str) -> None:
    write = writer(create_engine(url), book)
    for n in range(count):
        print(n, int(write(n)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "signals")
