"""Candles held in memory: the store a replay of files fills, and a source over fixed columns."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from application.data.candle_source import LoadedCandleSource
from application.data.ports import CandleStore, StoreMerge
from domain.market.candles import Pair
from domain.market.quality import Ohlcv
from domain.market.quality_merge import merge_candles


class MemoryCandleStore(CandleStore):
    """A CandleStore that lives for one process: same merge rules as the parquet store."""

    def __init__(self) -> None:
        self._data: dict[Pair, Ohlcv] = {}
        self.writes = 0

    def pairs(self) -> list[Pair]:
        return sorted(p for p, c in self._data.items() if len(c))

    def load(self, pair: Pair, start_ms: int | None = None, end_ms: int | None = None) -> Ohlcv:
        candles = self._data.get(pair, Ohlcv.empty())
        t = candles.open_time_ms
        lo = 0 if start_ms is None else int(np.searchsorted(t, start_ms))
        hi = len(t) if end_ms is None else int(np.searchsorted(t, end_ms))
        return candles.take(slice(lo, hi))

    def last_open_time_ms(self, pair: Pair) -> int | None:
        t = self._data.get(pair, Ohlcv.empty()).open_time_ms
        return int(t[-1]) if len(t) else None

    def merge(self, pair: Pair, candles: Ohlcv, source: str, dry_run: bool = False) -> StoreMerge:
        outcome = merge_candles(self._data.get(pair, Ohlcv.empty()), candles)
        written: tuple[str, ...] = ()
        if outcome.added and not dry_run:
            self._data[pair] = outcome.merged
            self.writes += 1
            written = ("memory",)
        return StoreMerge(outcome.added, outcome.unchanged, outcome.conflicts, outcome.existing_at_conflicts, written)

    def monthly_rows(self, pair: Pair) -> dict[str, int]:
        t = self._data.get(pair, Ohlcv.empty()).open_time_ms
        months, counts = np.unique(t.astype("datetime64[ms]").astype("datetime64[M]"), return_counts=True)
        return {str(m): int(c) for m, c in zip(months, counts, strict=True)}


class ArrayCandleSource(LoadedCandleSource):
    """A CandleSource over columns given up front (tests, benchmarks, simulations)."""

    def __init__(self, data: Mapping[Pair, Ohlcv]) -> None:
        frozen = dict(data)
        super().__init__(lambda pair: frozen.get(pair, Ohlcv.empty()))
