"""One LocalCluster of two single-threaded worker processes for every Dask test (starting one costs
seconds); the tests that exercise ``--local N`` start their own. Skipped without the dask extra."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    pytest.importorskip("distributed", reason="the dask extra is not installed: pip install -e '.[dask]'")
    from adapters.dask.cluster import dask_client as open_client

    with open_client(workers=2) as client:
        yield client


@pytest.fixture(scope="session")
def scheduler(dask_client: Any) -> str:
    """The shared cluster's address, for ``--scheduler ADDRESS``."""
    return str(dask_client.scheduler.address)
