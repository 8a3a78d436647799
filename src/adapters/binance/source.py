"""The runtime's CandleSource on Binance REST: the latest closed candles of a pair."""

from __future__ import annotations

from datetime import datetime

from adapters.binance.rest import DEFAULT_BASE_URL, MAX_LIMIT, BinanceRestClient
from application.data.ports import CandleSource
from domain.market.candles import MINUTE_MS, CandleWindow, Pair, datetime_to_ms, ms_to_datetime
from domain.market.quality import Ohlcv


class BinanceRestCandleSource(CandleSource):
    def __init__(self, base_url: str = DEFAULT_BASE_URL, client: BinanceRestClient | None = None) -> None:
        self._client = client or BinanceRestClient(base_url)
        self._first_open_ms: dict[Pair, int | None] = {}

    def window(self, pair: Pair, end: datetime, length: int) -> CandleWindow:
        # closed at ``end``: open time + 1 minute <= end, and never past the wall clock
        last_open = min(datetime_to_ms(end), self._client.now_ms()) // MINUTE_MS * MINUTE_MS - MINUTE_MS
        pages: list[Ohlcv] = []
        wanted = max(length, 0)
        while wanted > 0:
            page, raw_rows = self._client.klines(pair, end_ms=last_open, limit=min(wanted, MAX_LIMIT))
            page = page.take(page.open_time_ms <= last_open)
            if not len(page):
                break
            pages.insert(0, page)
            wanted -= len(page)
            last_open = int(page.open_time_ms[0]) - MINUTE_MS
            if raw_rows < min(wanted + len(page), MAX_LIMIT):
                break
        candles = Ohlcv.concat(pages)
        candles = candles.take(slice(max(0, len(candles) - length), None))
        return CandleWindow(pair, candles.open_time_ms, candles.open, candles.high, candles.low, candles.close,
                            candles.volume)

    def coverage(self, pair: Pair) -> tuple[datetime, datetime] | None:
        if pair not in self._first_open_ms:
            page, _ = self._client.klines(pair, start_ms=0, limit=1)
            self._first_open_ms[pair] = int(page.open_time_ms[0]) if len(page) else None
        first = self._first_open_ms[pair]
        if first is None:
            return None
        last_close = self._client.now_ms() // MINUTE_MS * MINUTE_MS
        return ms_to_datetime(first), ms_to_datetime(last_close)



