"""Without replay files the main job fetches the last day from Binance's klines endpoint (here a
local server speaking its wire format, fed with real candles moved to end now) and replays it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from domain.market.candles import MINUTE_MS, datetime_to_ms
from domain.market.quality import Ohlcv
from tests.integration.data.kline_server import KlineServer, serve

pytestmark = pytest.mark.shared_data
MINUTES = 1_600  # more than the day the runtime asks for; contiguous in the BNBUSDT file


def recent_real_candles(spot_1m_dir: Path) -> Ohlcv:
    frame = pd.read_csv(spot_1m_dir / "BNBUSDT.csv.gz", nrows=MINUTES)
    candles = Ohlcv(*(frame[c].to_numpy() for c in ("open_time", "open", "high", "low", "close", "volume")))
    last_closed = datetime_to_ms(datetime.now(UTC).replace(second=0, microsecond=0)) - 2 * MINUTE_MS
    shift = last_closed - int(candles.open_time_ms[-1])
    return Ohlcv(candles.open_time_ms + shift, candles.open, candles.high, candles.low, candles.close, candles.volume)


def run(tmp_path: Path, base_url: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "LOG_FORMAT": "json", "REPLAY_PATHS": str(tmp_path / "no-files-here"),
           "DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": f"sqlite:///{tmp_path}/book.db",
           "BINANCE_BASE_URL": base_url}
    return subprocess.run([sys.executable, "-m", "entrypoints.cli", "run", "--pairs", "BNBUSDT", "--json"], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)


def test_fetches_the_last_day_into_the_store_and_replays_it(spot_1m_dir: Path, tmp_path: Path) -> None:
    server = KlineServer(recent_real_candles(spot_1m_dir))
    with serve(server) as base_url:
        first = run(tmp_path, base_url)
        requests_after_first = len(server.requests)
        second = run(tmp_path, base_url)
    assert first.returncode == 0, first.stderr[-2000:]
    summary = json.loads(first.stdout)
    assert 715 <= summary["scans"] <= 721  # a day at one scan every 2 minutes
    assert summary["emitted"] > 0
    assert list((tmp_path / "data" / "candles" / "BNBUSDT").glob("*.parquet"))
    assert all(r["symbol"] == "BNBUSDT" for r in server.requests)
    # the second run resumes where the store ends: at most a page or two more, same replay
    assert second.returncode == 0, second.stderr[-2000:]
    assert len(server.requests) - requests_after_first <= 2
    assert json.loads(second.stdout)["counts"].get("duplicate", 0) > 0
