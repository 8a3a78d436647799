"""application.tasks.TaskRunner on Dask: the use case's pieces as tasks, their results yielded in the
pieces' order (the answer is the single-process one, only reached sooner). What every piece reads is
scattered once to every worker; each task carries only its own small item (a chunk's bounds, a
series' path and window), never a data frame."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from application.tasks import TaskRunner

Shared = TypeVar("Shared")
Item = TypeVar("Item")
Result = TypeVar("Result")


class DaskTaskRunner(TaskRunner):
    def __init__(self, client: Any) -> None:
        self._client = client

    @property
    def parallelism(self) -> int:
        """The cluster's threads now (one per worker on the LocalCluster the CLI starts)."""
        threads: dict[str, int] = self._client.nthreads()
        return max(1, sum(threads.values()))

    def map(self, task: Callable[[Shared, Item], Result], shared: Shared,
            items: Sequence[Item]) -> Iterator[Result]:
        return self._gathered(task, shared, items)

    def _gathered(self, task: Callable[[Shared, Item], Result], shared: Shared,
                  items: Sequence[Item]) -> Iterator[Result]:
        if not items:
            return
        # in a list: a tuple or dict given alone would be scattered element by element
        [held] = self._client.scatter([shared], broadcast=True, hash=False)
        futures = [self._client.submit(task, held, item, pure=False) for item in items]
        try:
            for future in futures:
                yield future.result()
                future.release()
        finally:
            self._client.cancel(futures)
            held.release()
