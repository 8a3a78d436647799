"""A CandleSource over whole-pair columns loaded once: what replays and backtests read from.

Each pair is loaded on first use and kept in memory; a window is a slice found by binary
search, so a replay asking for a window every scan does no I/O."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from application.data.ports import CandleSource
from domain.market.candles import CandleWindow, Pair, datetime_to_ms, ms_to_datetime
from domain.market.quality import Ohlcv


class LoadedCandleSource(CandleSource):
    def __init__(self, load: Callable[[Pair], Ohlcv]) -> None:
        self._load = load
        self._cache: dict[Pair, Ohlcv] = {}

    def refresh(self, pair: Pair | None = None) -> None:
        """Forget cached columns (all pairs by default) so the next call loads them again."""
        if pair is None:
            self._cache.clear()
        else:
            self._cache.pop(pair, None)

    def candles(self, pair: Pair) -> Ohlcv:
        cached = self._cache.get(pair)
        if cached is None:
            cached = self._cache[pair] = self._load(pair)
        return cached

    def window(self, pair: Pair, end: datetime, length: int) -> CandleWindow:
        return self.candles(pair).closed_window(pair, datetime_to_ms(end), length)

    def coverage(self, pair: Pair) -> tuple[datetime, datetime] | None:
        span = self.candles(pair).span_ms()
        return None if span is None else (ms_to_datetime(span[0]), ms_to_datetime(span[1]))
