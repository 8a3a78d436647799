"""Where the runtime's candles come from: replay files, or the candle store filled from Binance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import structlog

from application.data.ports import CandleSource, CandleStore, DataError
from domain.market.candles import Pair
from entrypoints.container import Container, DataContainer
from entrypoints.settings import Settings, mask_url


class RuntimeFailure(Exception):
    """The runtime cannot start; ``usage`` marks problems the user can fix by changing input."""

    def __init__(self, message: str, usage: bool = False) -> None:
        super().__init__(message)
        self.usage = usage


def build_candle_source(container: Container, settings: Settings) -> CandleSource:
    if settings.candles.source == "replay" and not _existing_replay_paths(settings):
        return replay_store(container.data(), settings)
    try:
        return container.runtime().candle_source()
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


def replay_store(data: DataContainer, settings: Settings) -> CandleSource:
    """No replay files: replay the candle store, first topping it up with the last days from
    the container's kline feed (Binance REST). A failed top-up is only a warning when the store holds
    candles for every pair, so a filled store replays offline; without them nothing can run."""
    log = structlog.get_logger("runtime")
    pairs = [Pair.parse(p) for p in settings.pairs]
    store, folder = data.candle_store(), str(data.candle_folder())
    base_url = mask_url(settings.candles.binance_base_url)
    log.info("no_replay_files", paths=list(settings.candles.replay_paths), store=folder,
             fetching_days=settings.candles.bootstrap_days, base_url=base_url)
    try:
        _download_recent(data, settings, store, pairs)
    except DataError as exc:
        lacking = _lacking(store, pairs)
        if lacking:
            raise RuntimeFailure(_nothing_to_replay(settings, lacking, exc), usage=True) from None
        log.warning("bootstrap_fetch_failed", error=mask_url(str(exc)), base_url=base_url, store=folder,
                    replaying="the stored candles")
    return data.stored_candle_source(pairs=pairs)


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


def _download_recent(data: DataContainer, settings: Settings, store: CandleStore, pairs: list[Pair]) -> None:
    from application.data.ingest_download import DownloadCandles
    from domain.market.candles import datetime_to_ms

    now = datetime.now(UTC).replace(second=0, microsecond=0)
    start = now - timedelta(days=settings.candles.bootstrap_days)
    with data.kline_feed(top_up_only=not _lacking(store, pairs)) as feed:
        download = DownloadCandles(feed, store)
        for pair in pairs:
            report = download(pair, datetime_to_ms(start), datetime_to_ms(now))
            structlog.get_logger("runtime").info("bootstrap_fetched", pair=pair.symbol, fetched=report.fetched,
                                                 added=report.added, conflicts=report.conflicts)

