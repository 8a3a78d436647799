from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from domain.market.quality import Ohlcv
from tests.integration.data.kline_server import KlineServer, serve

ROWS = 3_500  # three full pages and a partial one; contiguous in the BNBUSDT file


@pytest.fixture(scope="session")
def real_candles(spot_1m_dir: Path) -> Ohlcv:
    """The first real BNBUSDT minutes, read from ../shared/data (never copied)."""
    frame = pd.read_csv(spot_1m_dir / "BNBUSDT.csv.gz", nrows=ROWS)
    return Ohlcv(*(frame[c].to_numpy() for c in ("open_time", "open", "high", "low", "close", "volume")))


@pytest.fixture
def kline_server(real_candles: Ohlcv) -> KlineServer:
    return KlineServer(real_candles)


@pytest.fixture
def base_url(kline_server: KlineServer) -> Iterator[str]:
    with serve(kline_server) as url:
        yield url
