"""Candles read by path on a Dask worker: what ``tradeai backtest --local/--scheduler`` hands each
scoring task instead of the candles themselves (application.backtest.scoring.SeriesReader)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import attrs

from application.backtest.scoring import SeriesReader
from domain.market.candles import Pair
from domain.market.quality import Ohlcv

Loader = Callable[[list[Path], list[Pair]], Mapping[Pair, Ohlcv]]


@attrs.frozen
class CandleFilesReader(SeriesReader):
    """``locations``: the candle files or folders, as absolute paths or ``file://`` URLs that every
    worker can open (a remote worker needs them at the same path: a shared or mounted volume);
    ``load``: the backtest's own candle loader (container.backtest.candle_loader), so a worker
    reads the candles with the readers and checks the engine's were read with."""

    locations: tuple[str, ...]
    load: Loader

    def read(self, pair: Pair) -> Ohlcv:
        loaded = self.load([local_path(location) for location in self.locations], [pair])
        if pair not in loaded:
            raise FileNotFoundError(f"no candle file for {pair} under {', '.join(self.locations)}")
        return loaded[pair]


def local_path(location: str) -> Path:
    """A path, or an fsspec URL on the local file system (``file:///data/candles``). The candle
    readers read local files: a URL on another file system is refused by name."""
    if "://" not in location:
        return Path(location)
    from fsspec.core import url_to_fs
    from fsspec.implementations.local import LocalFileSystem

    fs, path = url_to_fs(location)
    if not isinstance(fs, LocalFileSystem):
        raise ValueError(f"{location}: candle files are read from a local path or a file:// URL, "
                         f"not from {fs.protocol!r}")
    return Path(path)
