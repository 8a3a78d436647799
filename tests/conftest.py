"""Shared fixtures. Real candles are read from ../shared/data, never copied into the project."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("TRADEAI_SHARED_DATA", PROJECT_ROOT.parent / "shared" / "data"))
SPOT_1M = SHARED_DATA / "binance-spot-1m"


def require_shared_data(path: Path = SPOT_1M) -> Path:
    """Skip when the shared candles are absent; under CI their absence is a failure."""
    if path.exists():
        return path
    message = f"real candles not found at {path} (expected ../shared/data beside the project)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message + "; CI must have them")
    pytest.skip(message)


@pytest.fixture(scope="session")
def spot_1m_dir() -> Path:
    """Folder of real Binance spot 1m candles: <PAIR>.csv.gz with open_time,open,high,low,close,volume."""
    return require_shared_data()


@pytest.fixture(autouse=True)
def _fresh_structlog() -> Iterator[None]:
    """A CLI under test configures structlog for its process (a level, a stream); the next test in
    the same worker must not inherit that filter, or its captured logs depend on test order."""
    yield
    structlog.reset_defaults()
