"""A migrated store on each SQL backend, for the contract and migration tests."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from adapters.sql import create_engine, upgrade


def migrated_engine(request: pytest.FixtureRequest, tmp_path, backend: str) -> sa.Engine:
    """An engine on a schema at head: a SQLite file under ``tmp_path`` or a fresh Postgres schema
    (skipped without Postgres). Disposed when the test ends."""
    url = f"sqlite:///{tmp_path}/store.db" if backend == "sqlite" else request.getfixturevalue("pg_url")
    engine = create_engine(url)
    request.addfinalizer(engine.dispose)
    upgrade(engine)
    return engine


@pytest.fixture(params=["sqlite", "postgres"])
def engine(request, tmp_path) -> sa.Engine:
    return migrated_engine(request, tmp_path, request.param)
