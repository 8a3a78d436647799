"""``--scheduler ADDRESS`` / ``--local N`` for the commands that run work on Dask: the client
(``dask_session``, for ``tradeai sweep``) and the TaskRunner the pieces of ``tradeai backtest`` and
``tradeai challenge simulate`` run through. Given neither, those pieces run here, in turn, and no
dask is imported: the default install stays lean."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import click

from application.tasks import SerialRunner, TaskRunner
from entrypoints.cli.common import EXIT_USAGE

DEFAULT_CONNECT_S = 30.0


@contextmanager
def task_runner(scheduler: str | None, local_workers: int | None) -> Iterator[TaskRunner]:
    """Exits 2 with the reason when dask is not installed or the scheduler cannot be reached."""
    if scheduler is None and local_workers is None:
        yield SerialRunner()
        return
    from adapters.dask.runner import DaskTaskRunner

    with dask_session(scheduler, local_workers) as client:
        yield DaskTaskRunner(client)


@contextmanager
def dask_session(scheduler: str | None, local_workers: int | None) -> Iterator[Any]:
    """A distributed.Client on ``scheduler``, or on a LocalCluster of ``local_workers`` processes
    (neither: one sized to the machine). Exits 2 with the reason when both are given, dask is not
    installed or the scheduler cannot be reached."""
    if scheduler is not None and local_workers is not None:
        _usage("give --scheduler ADDRESS or --local N, not both")
    from adapters.dask.cluster import DaskUnavailable, dask_client

    _quieter_dask()
    with ExitStack() as stack:
        try:
            client = stack.enter_context(dask_client(scheduler, local_workers, timeout_s=connect_timeout_s()))
        except DaskUnavailable as exc:
            _usage(str(exc))
        yield client


def _quieter_dask() -> None:
    """distributed sets its loggers to INFO when imported, past LOG_LEVEL: they log at the level the
    command logs at."""
    try:
        import distributed  # noqa: F401  (its import sets the levels overridden here)
    except ImportError:  # dask_client says what to install
        return
    level = logging.getLogger().getEffectiveLevel()
    for name in ("distributed", "tornado"):
        if logging.getLogger(name).getEffectiveLevel() < level:
            logging.getLogger(name).setLevel(level)


def connect_timeout_s() -> float:
    """Dask's own connect timeout (``distributed.comm.timeouts.connect``, e.g. the environment's
    DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=5s), so an unreachable scheduler fails as fast as Dask is told."""
    try:
        import dask.config
        from dask.utils import parse_timedelta
    except ImportError:  # dask_client says what to install
        return DEFAULT_CONNECT_S
    seconds = parse_timedelta(dask.config.get("distributed.comm.timeouts.connect", DEFAULT_CONNECT_S), default="s")
    return float(seconds) if seconds is not None else DEFAULT_CONNECT_S


def _usage(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)
