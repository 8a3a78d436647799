"""A fake MT5 terminal whose quotes follow replayed candles: at the replay clock's time each symbol
is quoted around the close of its last complete candle, so that a replay in live mode fills at
the prices its signals were computed from (a spread of ``half_spread_bps`` either side of it).
Before the replay has a clock (``clock`` answers None) it quotes nothing. ``schedule`` plays faults
at market times: each (time, action) runs once, on the first call at or after its time;
``open_faults`` answers the next opening orders (not closes) with those retcodes, or loses their
answer (``LOST``) after executing them."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np

from domain.market.quality import Ohlcv
from tests.fakes.metatrader5 import FakeMetaTrader5

MINUTE_MS = 60_000
LOST = 0  # an open_faults entry: the order executes, its answer is lost
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class MarketTerminal(FakeMetaTrader5):
    def __init__(self, clock: Callable[[], datetime | None], candles: dict[str, Ohlcv], half_spread_bps: float = 0.5,
                 **kwargs: Any) -> None:
        self._clock = clock
        self._candles = candles
        self._half = half_spread_bps / 10_000
        self.schedule: list[tuple[datetime, Callable[[FakeMetaTrader5], None]]] = []
        self.open_faults: deque[int] = deque()
        super().__init__(_EPOCH, **kwargs)

    @property  # type: ignore[override]
    def now(self) -> datetime:
        return self._clock() or _EPOCH

    @now.setter
    def now(self, value: datetime) -> None:  # the base class sets it once; the clock decides
        return None

    def account_info(self) -> Any:
        self._follow()
        return super().account_info()

    def symbol_info(self, symbol: str) -> Any:
        self._follow()
        return super().symbol_info(symbol)

    def symbol_info_tick(self, symbol: str) -> Any:
        self._follow()
        return super().symbol_info_tick(symbol)

    def positions_get(self, symbol: str | None = None, group: str | None = None, ticket: int | None = None) -> Any:
        self._follow()
        return super().positions_get(symbol, group, ticket)

    def order_send(self, request: dict[str, Any]) -> Any:
        self._follow()
        if "position" not in request and self.open_faults and self.connected:
            fault = self.open_faults.popleft()
            if fault == LOST:
                self.lost_answers += 1
            else:
                self.retcodes.append(fault)
        return super().order_send(request)

    def _follow(self) -> None:
        if self._clock() is None:
            return
        while self.schedule and self.schedule[0][0] <= self.now:
            _, action = self.schedule.pop(0)
            action(self)
        now_ms = int(self.now.timestamp() * 1000)
        for symbol, bars in self._candles.items():
            complete = int(np.searchsorted(bars.open_time_ms + MINUTE_MS, now_ms, side="right"))
            if complete == 0:
                continue
            close = float(bars.close[complete - 1])
            quote = (round(close * (1 - self._half), 2), round(close * (1 + self._half), 2))
            if self.quotes.get(symbol) != quote:
                self.quote(symbol, *quote)
