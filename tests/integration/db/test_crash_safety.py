"""A writer killed with SIGKILL mid-way leaves only complete rows, and a re-run records each signal once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from adapters.sql import SqlSignalRepository, create_engine
from tests.integration.db.conftest import make_signal

ROOT = Path(__file__).resolve().parents[3]
TOTAL, KILL_AFTER = 400, 120


def start_writer(url: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    return subprocess.Popen([sys.executable, "-m", "tests.integration.db.crash_writer", url, str(TOTAL)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def stored_signals(url: str) -> tuple[list, int]:
    engine = create_engine(url)
    repository = SqlSignalRepository(engine)
    rows, count = list(repository.list()), repository.count()
    engine.dispose()
    return rows, count


def test_sigkill_mid_write_leaves_complete_rows_and_rerun_records_each_once(store_url) -> None:
    writer = start_writer(store_url)
    deadline = time.monotonic() + 10
    acknowledged = 0
    while acknowledged < KILL_AFTER and time.monotonic() < deadline:
        if writer.stdout.readline():
            acknowledged += 1
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=5)
    assert writer.returncode == -signal.SIGKILL and acknowledged == KILL_AFTER, writer.stderr.read()[-2000:]

    rows, count = stored_signals(store_url)
    # every acknowledged signal is durable; the kill may have landed just after one more commit
    assert KILL_AFTER <= count < TOTAL
    by_id = {make_signal(n).signal_id: make_signal(n) for n in range(TOTAL)}
    assert all(row == by_id[row.signal_id] for row in rows)  # every column as written, none half-stored
    assert len({row.signal_id for row in rows}) == count

    rerun = start_writer(store_url)
    out, err = rerun.communicate(timeout=30)
    assert rerun.returncode == 0, err[-2000:]
    fresh = sum(int(line.split()[1]) for line in out.splitlines())
    assert fresh == TOTAL - count
    rows, final = stored_signals(store_url)
    assert final == len({row.signal_id for row in rows}) == TOTAL
