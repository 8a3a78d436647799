"""Without replay files the runtime replays the candle store, topping it up from Binance first; an
unreachable Binance is only a warning when the store already holds every pair."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import UTC, datetime
from pathlib import Path

import pytest
from dependency_injector import providers
from structlog.testing import capture_logs

from adapters.parquet import ParquetCandleSource, ParquetCandleStore
from application.data.ports import DataError, KlineFeed
from domain.market.candles import Pair, datetime_to_ms
from domain.market.quality import Ohlcv
from entrypoints.candle_bootstrap import RuntimeFailure, replay_store
from entrypoints.container import DataContainer, build_container
from entrypoints.settings import Settings
from entrypoints.settings.schema import CandleSettings
from tests.fakes.candles import make_candles
from tests.integration.data.test_cli_data import csv_text

START = datetime_to_ms(datetime(2020, 12, 31, tzinfo=UTC))
CLOSED_PORT = "http://127.0.0.1:9"  # loopback discard port: nothing listens, the connection is refused


class UnreachableFeed:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def pages(self, pair: Pair, start_ms: int, end_ms: int) -> Iterator[Ohlcv]:
        self.asked.append(pair.symbol)
        raise DataError("Binance /api/v3/klines: network error (ConnectError: refused) after 2 attempts")
        yield Ohlcv.empty()  # a generator, like the real feed


def settings_for(tmp_path: Path, *pairs: str) -> Settings:
    candles = CandleSettings(replay_paths=(str(tmp_path / "nowhere"),), data_dir=str(tmp_path / "data"),
                             binance_base_url=CLOSED_PORT)
    return Settings(pairs=pairs, candles=candles)


def data_with_feed(settings: Settings, feed: KlineFeed) -> DataContainer:
    """The data context with the Binance feed replaced by ``feed`` (whatever top_up_only asks)."""
    data = build_container(settings).data()
    data.kline_feed.override(providers.Object(nullcontext(feed)))
    return data


def fill(tmp_path: Path, pair: str) -> None:
    ParquetCandleStore.in_data_dir(tmp_path / "data").merge(Pair(pair), make_candles(300, START), "test")


def test_a_failed_top_up_replays_the_filled_store_with_a_warning(tmp_path: Path) -> None:
    fill(tmp_path, "BTCUSDT")
    feed = UnreachableFeed()
    with capture_logs() as logs:
        settings = settings_for(tmp_path, "BTCUSDT")
        source = replay_store(data_with_feed(settings, feed), settings)
    assert feed.asked == ["BTCUSDT"]
    assert isinstance(source, ParquetCandleSource)
    warning = next(e for e in logs if e["event"] == "bootstrap_fetch_failed")
    assert warning["log_level"] == "warning" and "network error" in warning["error"]


def test_a_pair_missing_from_the_store_is_a_usage_error_that_says_what_works(tmp_path: Path) -> None:
    fill(tmp_path, "BTCUSDT")
    with pytest.raises(RuntimeFailure) as failure:
        settings = settings_for(tmp_path, "BTCUSDT", "ETHUSDT")
        replay_store(data_with_feed(settings, UnreachableFeed()), settings)
    message = str(failure.value)
    assert failure.value.usage
    assert "no stored candles for ETHUSDT" in message and "network error" in message
    assert "--replay PATH" in message and "tradeai data import PATH" in message
    assert "tradeai data download --pairs ETHUSDT --start" in message


def test_the_runtime_replays_an_imported_store_when_binance_is_unreachable(tmp_path: Path) -> None:
    files = tmp_path / "files"
    files.mkdir()
    (files / "BTCUSDT.csv").write_text(csv_text(make_candles(2 * 1440, START)))
    env = {**os.environ, "LOG_FORMAT": "json", "DATA_DIR": str(tmp_path / "data"),
           "DATABASE_URL": f"sqlite:///{tmp_path}/book.db", "REPLAY_PATHS": str(tmp_path / "nowhere"),
           "BINANCE_BASE_URL": CLOSED_PORT, "BOOTSTRAP_DAYS": "1"}

    def tradeai(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "entrypoints.cli", *args], env=env, cwd=tmp_path,
                              capture_output=True, text=True, timeout=120, check=False)

    imported = tradeai("data", "import", str(files))
    assert imported.returncode == 0, imported.stderr
    result = tradeai("run", "--pairs", "BTCUSDT", "--json", "--until", "2021-01-01T23:00")
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout)["scans"] == 721  # the day before --until, one scan every 2 minutes
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    warning = next(e for e in events if e["event"] == "bootstrap_fetch_failed")
    assert "network error" in warning["error"] and warning["base_url"] == CLOSED_PORT
