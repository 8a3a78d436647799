"""A writer killed with SIGKILL mid-way leaves only complete rows, and a re-run records each signal
once. Through the risk book, the saved guard state always matches the rows: both or neither."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from adapters.sql import SqlRiskBook, SqlSignalRepository, create_engine
from domain.risk.emission import GuardState
from tests.integration.db.conftest import make_signal
from tests.integration.db.crash_writer import state_after

ROOT = Path(__file__).resolve().parents[3]
TOTAL, KILL_AFTER = 400, 120


def start_writer(url: str, book: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    return subprocess.Popen([sys.executable, "-m", "tests.integration.db.crash_writer", url, str(TOTAL), book],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stored(url: str) -> tuple[list, int, GuardState | None]:
    """The risk book's rows, their count and the dry-run account's saved guard state."""
    engine = create_engine(url)
    repository = SqlSignalRepository(engine)
    rows, count, state = list(repository.list()), repository.count(), SqlRiskBook(engine, "dryrun").load_state()
    engine.dispose()
    return rows, count, state


def kill_mid_run(url: str, book: str) -> None:
    writer = start_writer(url, book)
    deadline = time.monotonic() + 20
    acknowledged = 0
    while acknowledged < KILL_AFTER and time.monotonic() < deadline:
        if writer.stdout.readline():
            acknowledged += 1
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=5)
    assert writer.returncode == -signal.SIGKILL and acknowledged == KILL_AFTER, writer.stderr.read()[-2000:]


def assert_consistent(url: str, book: str) -> int:
    rows, count, state = stored(url)
    by_id = {make_signal(n).signal_id: make_signal(n) for n in range(TOTAL)}
    assert all(row == by_id[row.signal_id] for row in rows)  # every column as written, none half-stored
    assert len({row.signal_id for row in rows}) == count
    if book == "risk_book":
        # signals are written in order, so the last one stored is count - 1 and its state is the one saved
        assert state == state_after(count - 1) and len(state.emissions) == count
    return count


@pytest.mark.parametrize("book", ["signals", "risk_book"])
def test_sigkill_mid_write_leaves_complete_rows_and_rerun_records_each_once(store_url, book) -> None:
    kill_mid_run(store_url, book)
    count = assert_consistent(store_url, book)
    # every acknowledged signal is durable; the kill may have landed just after one more commit
    assert KILL_AFTER <= count < TOTAL

    rerun = start_writer(store_url, book)
    out, err = rerun.communicate(timeout=60)
    assert rerun.returncode == 0, err[-2000:]
    fresh = sum(int(line.split()[1]) for line in out.splitlines())
    assert fresh == TOTAL - count
    assert assert_consistent(store_url, book) == TOTAL
