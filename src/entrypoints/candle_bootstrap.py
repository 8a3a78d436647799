"""Where the runtime's candles come from: replay files, or the candle store filled from Binance."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import structlog

from application.data.ports import CandleStore, DataError, KlineFeed
from domain.market.candles import Pair
from entrypoints.container import Container
from entrypoints.settings import Settings, mask_url


class RuntimeFailure(Exception):
    """The runtime cannot start; ``usage`` marks problems the user can fix by changing input."""

    def __init__(self, message: str, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


def build_candle_source(container: Container, settings: Settings) -> Any:
    if settings.candles.source == "replay" and not _existing_replay_paths(settings):
        return replay_store(settings)
    try:
        return container.candle_source()
    except DataError as exc:
        raise RuntimeFailure(f"cannot replay the candle files: {exc}") from None


def candles_holder(settings: Settings) -> str:
    """Where build_candle_source finds the candles a replay reads, in words."""
    existing = _existing_replay_paths(settings)
    if existing:
        return f"the replay files under {', '.join(existing)}"
    return f"the candle store under {Path(settings.candles.data_dir) / 'candles'}"


def _existing_replay_paths(settings: Settings) -> list[str]:
    return [p for p in settings.candles.replay_paths if Path(p).exists()]


def replay_store(settings: Settings, feed: KlineFeed | None = None) -> Any:
    """No replay files: replay the candle store, first topping it up with the last days from
    ``feed`` (default: Binance REST). A failed top-up is only a warning when the store holds
    candles for every pair, so a filled store replays offline; without them nothing can run."""
    from adapters.parquet import ParquetCandleSource, ParquetCandleStore

    log = structlog.get_logger("runtime")
    pairs = [Pair.parse(p) for p in settings.pairs]
    store = ParquetCandleStore.in_data_dir(settings.candles.data_dir)
    base_url = mask_url(settings.candles.binance_base_url)
    log.info("no_replay_files", paths=list(settings.candles.replay_paths), store=str(store.root),
             fetching_days=settings.candles.bootstrap_days, base_url=base_url)
    try:
        _download_recent(settings, store, pairs, feed)
    except DataError as exc:
        lacking = _lacking(store, pairs)
        if lacking:
            raise RuntimeFailure(_nothing_to_replay(settings, lacking, exc), usage=True) from None
        log.warning("bootstrap_fetch_failed", error=mask_url(str(exc)), base_url=base_url, store=str(store.root),
                    replaying="the stored candles")
    return ParquetCandleSource(store, pairs)


def _lacking(store: CandleStore, pairs: list[Pair]) -> list[Pair]:
    return [pair for pair in pairs if store.last_open_time_ms(pair) is None]


def _nothing_to_replay(settings: Settings, lacking: list[Pair], exc: Exception) -> str:
    symbols = ",".join(p.symbol for p in lacking)
    return (f"no replay files at {', '.join(settings.candles.replay_paths)}, no stored candles for {symbols} under "
            f"{settings.candles.data_dir}, and the last {settings.candles.bootstrap_days} day(s) could not be fetched "
            f"from {mask_url(settings.candles.binance_base_url)} ({mask_url(str(exc))}). Pass --replay PATH (files "
            "named <PAIR>*.csv[.gz] with open_time,open,high,low,close,volume), import candles with "
            "`tradeai data import PATH...`, or fetch them where Binance is reachable with "
            f"`tradeai data download --pairs {symbols} --start YYYY-MM-DD`, then run again.")


def _download_recent(settings: Settings, store: CandleStore, pairs: list[Pair], feed: KlineFeed | None) -> None:
    from application.data.ingest_download import DownloadCandles
    from domain.market.candles import datetime_to_ms

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = now - timedelta(days=settings.candles.bootstrap_days)
    with _feed(settings, feed, top_up_only=not _lacking(store, pairs)) as chosen:
        download = DownloadCandles(chosen, store)
        for pair in pairs:
            report = download(pair, datetime_to_ms(start), datetime_to_ms(now))
            structlog.get_logger("runtime").info("bootstrap_fetched", pair=pair.symbol, fetched=report.fetched,
                                                 added=report.added, conflicts=report.conflicts)


@contextmanager
def _feed(settings: Settings, feed: KlineFeed | None, top_up_only: bool) -> Iterator[KlineFeed]:
    if feed is not None:
        yield feed
        return
    from adapters.binance import BinanceKlineFeed, BinanceRestClient, RetryPolicy

    # a top-up has a fallback (the stored candles), so it gives up after one quick retry rather than
    # holding the start for the full backoff; a first fill keeps the client's full patience
    retry = RetryPolicy(attempts=2, backoff_initial_s=0.5) if top_up_only else None
    client = BinanceRestClient(settings.candles.binance_base_url, retry=retry)
    try:
        yield BinanceKlineFeed(client)
    finally:
        client.close()
