"""Records signals 0..N-1 through SqlSignalRepository, one line per signal: "<n> <1 if new else 0>".

Run as ``python -m tests.integration.db.crash_writer URL N``; the crash test SIGKILLs it mid-way.
"""

from __future__ import annotations

import sys

from adapters.sql import SqlSignalRepository, create_engine
from tests.integration.db.conftest import make_signal


def main(url: str, count: int) -> None:
    repository = SqlSignalRepository(create_engine(url))
    for n in range(count):
        stored = repository.add(make_signal(n))
        print(n, int(stored), flush=True)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
