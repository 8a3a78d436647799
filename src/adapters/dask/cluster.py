"""Open a Dask client: on a running scheduler (``tcp://host:8786``) or on a ``LocalCluster`` of
``workers`` processes, one thread each (torch and numpy threads are set per task by the work
itself; one thread per worker keeps N workers from fighting over N cores)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


class DaskUnavailable(RuntimeError):
    """dask[distributed] is not installed, or the scheduler cannot be reached; the message says which."""


def machine_workers() -> int:
    """A LocalCluster sized to the machine: one worker per core the process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


@contextmanager
def dask_client(scheduler: str | None = None, workers: int | None = None,
                timeout_s: float = 10.0) -> Iterator[Any]:
    """A ``distributed.Client``: on ``scheduler`` when given, else on a LocalCluster of ``workers``
    processes (default: machine_workers()). The cluster it started is closed on exit."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise DaskUnavailable("dask[distributed] is not installed: pip install 'trading-ai[dask]'") from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=timeout_s)
        except OSError as exc:
            raise DaskUnavailable(f"the Dask scheduler at {scheduler} cannot be reached ({exc})") from None
        with client:
            yield client
        return
    cluster = LocalCluster(n_workers=workers or machine_workers(), threads_per_worker=1, processes=True,
                           dashboard_address=":0", silence_logs=40)
    with cluster, Client(cluster) as client:
        yield client
