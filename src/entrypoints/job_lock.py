"""One retraining at a time on a host: the weekly timer and the bot's requests timer can fire
together, and two trainings would race for the same registry version and double the CPU load.

An advisory ``flock`` on a file in the data directory: the kernel drops it when the process dies,
so a crashed run never leaves a stale lock behind (a lock *file* left on disk would).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".retrain.lock"


class JobBusy(RuntimeError):
    """Another process holds the job's lock."""


@contextmanager
def exclusive_job(directory: Path, *, wait: bool) -> Iterator[Path]:
    """Hold the lock for the ``with`` block; ``wait`` False raises JobBusy at once when it is held."""
    import fcntl  # POSIX only: retraining runs on the Linux host, never beside a Windows terminal

    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o640)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise JobBusy(f"another retraining holds {path}") from None
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock
