from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from adapters.sql import create_engine, upgrade
from adapters.sql.tables import metadata
from domain.market.candles import Direction, Pair
from domain.signals.signal import Mode, Signal, Tier

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def make_signal(n: int, *, at: datetime | None = None, mode: Mode = Mode.DRYRUN) -> Signal:
    return Signal(signal_id=f"BTCUSDT-{n:07d}", pair=Pair("BTCUSDT"), direction=Direction.LONG,
                  entry=100.0 + n % 50, take_profit=103.0 + n % 50, stop_loss=98.0 + n % 50, confidence=0.7,
                  tier=Tier.HIGH, created_at=at or T0 + timedelta(minutes=n), mode=mode, model_version="m1")


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request, tmp_path) -> str:
    url = f"sqlite:///{tmp_path}/store.db" if request.param == "sqlite" else request.getfixturevalue("pg_url")
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def cli_env(url: str, tmp_path) -> dict[str, str]:
    backend = "sqlite" if url.startswith("sqlite") else "postgres"
    return {"DATABASE_URL": url, "STORE_BACKEND": backend, "DATA_DIR": str(tmp_path / "data"),
            "TRADEAI_CONFIG": ""}


def table_rows(url: str, table: str) -> list[dict]:
    engine = create_engine(url)
    with engine.connect() as connection:
        described = metadata.tables[table]
        rows = [dict(r._mapping) for r in connection.execute(sa.select(described).order_by(described.c.id))]
    engine.dispose()
    return rows
