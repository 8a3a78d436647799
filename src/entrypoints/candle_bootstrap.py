"""Where the runtime's candles come from: replay files, or the candle store filled from Binance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import structlog

from domain.market import Pair
from entrypoints.container import Container
from entrypoints.settings import Settings


class RuntimeFailure(Exception):
    """The runtime cannot start; ``usage`` marks problems the user can fix by changing input."""

    def __init__(self, message: str, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


def build_candle_source(container: Container, settings: Settings) -> Any:
    from application.ports_data import DataError

    if settings.candles.source == "replay" and not any(Path(p).exists() for p in settings.candles.replay_paths):
        return _store_source(settings)
    try:
        return container.candle_source()
    except DataError as exc:
        raise RuntimeFailure(f"cannot replay the candle files: {exc}") from None


def _store_source(settings: Settings) -> Any:
    """No replay files: replay the candle store, first filling it with the last days from Binance."""
    from adapters.parquet import ParquetCandleSource, ParquetCandleStore
    from application.ports_data import DataError

    log = structlog.get_logger("runtime")
    pairs = [Pair.parse(p) for p in settings.pairs]
    store = ParquetCandleStore.in_data_dir(settings.candles.data_dir)
    log.info("no_replay_files", paths=list(settings.candles.replay_paths), store=str(store.root),
             fetching_days=settings.candles.bootstrap_days, base_url=settings.candles.binance_base_url)
    try:
        _download_recent(settings, store, pairs)
    except DataError as exc:
        raise RuntimeFailure(
            f"no replay files at {', '.join(settings.candles.replay_paths)} and the last "
            f"{settings.candles.bootstrap_days} day(s) could not be fetched from {settings.candles.binance_base_url} "
            f"({exc}). Pass --replay PATH (files named <PAIR>*.csv[.gz] with open_time,open,high,low,close,volume), "
            "import candles with `tradeai data import PATH...`, or fetch them where Binance is reachable with "
            "`tradeai data download --pairs BTCUSDT --start YYYY-MM-DD`, then run again.", usage=True) from None
    return ParquetCandleSource(store, pairs)


def _download_recent(settings: Settings, store: Any, pairs: list[Pair]) -> None:
    from adapters.binance import BinanceKlineFeed, BinanceRestClient
    from application.ingest_download import DownloadCandles
    from domain.market import datetime_to_ms

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = now - timedelta(days=settings.candles.bootstrap_days)
    download = DownloadCandles(BinanceKlineFeed(BinanceRestClient(settings.candles.binance_base_url)), store)
    for pair in pairs:
        report = download(pair, datetime_to_ms(start), datetime_to_ms(now))
        structlog.get_logger("runtime").info("bootstrap_fetched", pair=pair.symbol, fetched=report.fetched,
                                             added=report.added)
