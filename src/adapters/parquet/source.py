"""The runtime's CandleSource over the parquet store, for replays and backtests."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from adapters.parquet.store import ParquetCandleStore
from application.data.candle_source import LoadedCandleSource
from domain.market.candles import Pair


class ParquetCandleSource(LoadedCandleSource):
    def __init__(self, store: ParquetCandleStore | Path | str, pairs: Sequence[Pair] | None = None) -> None:
        self._store = store if isinstance(store, ParquetCandleStore) else ParquetCandleStore(store)
        super().__init__(self._store.load)
        for pair in pairs or ():
            self.candles(pair)

    @classmethod
    def in_data_dir(cls, data_dir: Path | str, pairs: Sequence[Pair] | None = None) -> ParquetCandleSource:
        return cls(ParquetCandleStore.in_data_dir(data_dir), pairs)
