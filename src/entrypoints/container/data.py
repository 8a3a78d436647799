"""The data context's adapters: the parquet candle store, the candle file readers and the Binance
history feed. Every adapter is imported inside its factory, so building the container costs nothing
and an unused adapter (and its library) is never imported."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

from dependency_injector import containers, providers

from application.data.ports import CandleFileError, CandleFileReader, CandleSource, CandleStore, KlineFeed, ParsedFile
from domain.market.candles import Pair
from entrypoints.settings import Settings


def _candle_folder(settings: Settings) -> Path:
    from adapters.parquet import ParquetCandleStore

    return ParquetCandleStore.in_data_dir(settings.candles.data_dir).root


def _parquet_store(folder: Path) -> CandleStore:
    from adapters.parquet import ParquetCandleStore

    return ParquetCandleStore(folder)


def _parquet_source(folder: Path, pairs: Sequence[Pair]) -> CandleSource:
    from adapters.parquet import ParquetCandleSource

    return ParquetCandleSource(folder, pairs)


@contextmanager
def _binance_feed(settings: Settings, top_up_only: bool = False) -> Iterator[KlineFeed]:
    """The feed holds an HTTP client, closed when the caller's ``with`` block ends."""
    from adapters.binance import BinanceKlineFeed, BinanceRestClient, RetryPolicy

    # a top-up has a fallback (the stored candles), so it gives up after one quick retry rather than
    # holding the start for the full backoff; a first fill keeps the client's full patience
    retry = RetryPolicy(attempts=2, backoff_initial_s=0.5) if top_up_only else None
    client = BinanceRestClient(settings.candles.binance_base_url, retry=retry)
    try:
        yield BinanceKlineFeed(client)
    finally:
        client.close()


def _archive_reader() -> CandleFileReader:
    from adapters.binance import BinanceArchiveReader

    return BinanceArchiveReader()


def _ohlcv_reader() -> CandleFileReader:
    from adapters.files import OhlcvCsvReader

    return OhlcvCsvReader()


class SniffingReader(CandleFileReader):
    """Chooses the reader per file: zip archives and header-less files are data.binance.vision
    klines, files with a header are plain OHLCV (``layout`` forces one of them)."""

    def __init__(self, archive: CandleFileReader, ohlcv: CandleFileReader, layout: str = "auto") -> None:
        self._archive, self._ohlcv, self._layout = archive, ohlcv, layout

    def read(self, path: str, pair: Pair | None = None) -> ParsedFile:
        reader = self._archive if self._is_archive(Path(path)) else self._ohlcv
        return reader.read(path, pair)

    def _is_archive(self, path: Path) -> bool:
        if self._layout != "auto":
            return self._layout == "binance"
        if path.suffix == ".zip":
            return True
        import gzip

        try:
            with gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb") as handle:
                first = handle.read(1)
        except (OSError, EOFError) as exc:
            raise CandleFileError(f"{path}: cannot be read ({exc})") from exc
        return first.isdigit()


class DataContainer(containers.DeclarativeContainer):
    settings: providers.Dependency[Settings] = providers.Dependency(instance_of=Settings)

    # where the store keeps its candles, named in messages about an empty store
    candle_folder: providers.Callable[Path] = providers.Callable(_candle_folder, settings)
    candle_store: providers.Singleton[CandleStore] = providers.Singleton(_parquet_store, candle_folder)
    # the store read as a candle source, for the pairs given at the call
    stored_candle_source: providers.Factory[CandleSource] = providers.Factory(_parquet_source, candle_folder)
    kline_feed: providers.Factory[AbstractContextManager[KlineFeed]] = providers.Factory(_binance_feed, settings)
    archive_reader: providers.Singleton[CandleFileReader] = providers.Singleton(_archive_reader)
    ohlcv_reader: providers.Singleton[CandleFileReader] = providers.Singleton(_ohlcv_reader)
    # call with layout="auto" | "ohlcv" | "binance"
    file_reader: providers.Factory[CandleFileReader] = providers.Factory(SniffingReader, archive_reader, ohlcv_reader)
