"""A seed's Monte Carlo attempts do not depend on how they are split into chunks: each draw block
has its own generator, and an attempt's outcome depends on its own draws alone."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pytest

from application.challenge import Mode
from application.challenge.simulate import CHUNK, DRAW_BLOCK, block_generator, chunks, simulate_challenges
from application.tasks import SerialRunner
from tests.unit.challenge.test_attempts_and_summary import _request, _rows


class ManyWorkers(SerialRunner):
    """Runs here, but asks for the chunks a cluster of ``n`` workers would get, in shuffled order."""

    def __init__(self, n: int) -> None:
        self._n = n
        self.items: list[Any] = []

    @property
    def parallelism(self) -> int:
        return self._n

    def map(self, task: Callable[[Any, Any], Any], shared: Any, items: Sequence[Any]) -> Iterator[Any]:
        self.items = list(items)
        order = np.random.default_rng(self._n).permutation(len(items))
        done = {int(i): task(shared, items[int(i)]) for i in order}  # out of order, as workers finish
        return iter([done[i] for i in range(len(items))])


def test_chunks_are_whole_draw_blocks_one_per_worker_and_at_most_chunk() -> None:
    assert chunks(10_000) == [(0, 10_000)]
    assert chunks(10_000, 2) == [(0, 5 * DRAW_BLOCK), (5 * DRAW_BLOCK, 10_000 - 5 * DRAW_BLOCK)]
    assert chunks(100_000, 2) == [(f, min(CHUNK, 100_000 - f)) for f in range(0, 100_000, CHUNK)]
    assert chunks(7, 4) == [(0, 7)]
    for total, workers in ((10_000, 3), (50_001, 7), (1, 1)):
        parts = chunks(total, workers)
        assert sum(size for _, size in parts) == total and all(first % DRAW_BLOCK == 0 for first, _ in parts)


def test_block_k_draws_from_the_seeds_kth_spawned_generator() -> None:
    child = np.random.SeedSequence(42).spawn(3)[2]
    assert block_generator(42, 2).integers(0, 10**9, 5).tolist() == np.random.default_rng(child).integers(
        0, 10**9, 5).tolist()


@pytest.mark.parametrize("mode", [Mode.MONTE_CARLO, Mode.HISTORICAL])
@pytest.mark.parametrize("workers", [2, 3, 5])
def test_any_split_gives_the_single_process_report(mode: Mode, workers: int) -> None:
    request = _request(mode, 2 * DRAW_BLOCK + 300, seed=5)
    alone = simulate_challenges(_rows(), request).as_dict()
    runner = ManyWorkers(workers)
    assert simulate_challenges(_rows(), request, runner=runner).as_dict() == alone
    assert len(runner.items) == (min(workers, 3) if mode is Mode.MONTE_CARLO else 1)
    if mode is Mode.MONTE_CARLO:
        assert 0 < alone["outcomes"]["passed"] < alone["challenge"]["attempts"]
