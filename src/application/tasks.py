"""The port a use case runs independent pieces of its work through: in this process (``SerialRunner``,
the default) or spread over workers (adapters.dask.runner). A use case whose answer must not depend
on where it ran splits its work so that each piece's result depends on the piece alone."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Protocol, TypeVar

Shared = TypeVar("Shared")
Item = TypeVar("Item")
Result = TypeVar("Result")


class TaskRunner(Protocol):
    @property
    def parallelism(self) -> int:
        """How many pieces can run at once: a use case sizes its pieces by it."""
        ...

    def map(self, task: Callable[[Shared, Item], Result], shared: Shared,
            items: Sequence[Item]) -> Iterator[Result]:
        """``task(shared, item)`` for each item, yielded in the items' order. ``shared`` reaches each
        worker once, not once per item; ``task`` and its arguments must pickle to run elsewhere."""
        ...


class SerialRunner(TaskRunner):
    """Each piece in turn, here: the lazy order lets a caller report progress piece by piece."""

    @property
    def parallelism(self) -> int:
        return 1

    def map(self, task: Callable[[Shared, Item], Result], shared: Shared,
            items: Sequence[Item]) -> Iterator[Result]:
        return (task(shared, item) for item in items)
