from __future__ import annotations

import os
import uuid

import pytest
import sqlalchemy as sa

PG_BASE = os.environ.get("TRADEAI_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_url():
    """A fresh schema in the test database, dropped afterwards. Skips without Postgres, except under CI."""
    schema = f"t_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(PG_BASE)
    try:
        with admin.begin() as connection:
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    except sa.exc.OperationalError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required under CI: {exc}")
        pytest.skip(f"PostgreSQL not reachable at {PG_BASE}")
    yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()
