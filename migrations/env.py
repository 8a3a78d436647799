"""Alembic environment: runs with the connection handed over by adapters.sql.engine.upgrade, or,
from the alembic command line, with DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

config = context.config


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    url = os.environ.get("DATABASE_URL", "sqlite:///data/tradeai.db").replace("postgresql://", "postgresql+psycopg://")
    with create_engine(url).begin() as own_connection:
        context.configure(connection=own_connection, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run()
