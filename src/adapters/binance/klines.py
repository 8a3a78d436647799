"""Binance's kline wire format: arrays of 12 fields, prices and volumes as strings.

A payload is accepted whole or refused whole: one row with a missing field, a non-numeric string
or a broken OHLC relation refuses the page (the client retries, then reports), so nothing
half-parsed reaches the store. Rows still open at ``now`` are dropped.

Fields 8-10 (quote asset volume, number of trades, taker-buy base volume) are kept as
``OhlcvExtras``; they are optional, so a row without them, or with one that is not a number,
gets NaN there rather than refusing the page.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from application.data.ports import DataError
from domain.market.candles import MINUTE_MS
from domain.market.extras import OhlcvExtras
from domain.market.quality import Ohlcv, describe, row_problems

# where the extras sit in a kline (REST and archive alike): quote asset volume, number of trades,
# taker buy base asset volume
EXTRA_FIELDS = {"quote_volume": 7, "trades": 8, "taker_buy_volume": 9}


class BinanceError(DataError):
    """Binance refused, failed or answered something unusable; the message says what to do."""


class BinancePayloadError(BinanceError):
    """A response did not have the kline layout."""


def parse_klines(payload: Any, now_ms: int, start_ms: int | None = None) -> tuple[OhlcvExtras, int]:
    """Closed candles of a klines response, and how many rows the response held."""
    if not isinstance(payload, list):
        kind = type(payload).__name__
        raise BinancePayloadError(f"expected a JSON array of klines, got {kind}: {str(payload)[:120]}")
    if not payload:
        return OhlcvExtras.empty(), 0
    for index, row in enumerate(payload):
        if not isinstance(row, list) or len(row) < 7:
            raise BinancePayloadError(f"kline {index} has not the 12 fields of a kline: {str(row)[:120]}")
    try:
        open_time = np.array([row[0] for row in payload], dtype=np.int64)
        close_time = np.array([row[6] for row in payload], dtype=np.int64)
        values = np.array([row[1:6] for row in payload], dtype=np.float64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise BinancePayloadError(f"kline field is not a number ({exc})") from None
    extras = {name: np.array([_number(row, index) for row in payload]) for name, index in EXTRA_FIELDS.items()}
    candles = OhlcvExtras.of(Ohlcv(open_time, *values.T), extras)
    _check(candles, start_ms)
    closed = (close_time < now_ms) & (open_time + MINUTE_MS <= now_ms)
    return (candles if closed.all() else candles.take(closed)), len(payload)


def _number(row: list[Any], index: int) -> float:
    try:
        return float(row[index])
    except (IndexError, TypeError, ValueError, OverflowError):
        return float("nan")


def _check(candles: Ohlcv, start_ms: int | None) -> None:
    if start_ms is not None and candles.open_time_ms[0] < start_ms:
        raise BinancePayloadError(f"page goes backwards: first open time {candles.open_time_ms[0]} is before the "
                                  f"requested start {start_ms}")
    flags = row_problems(candles)
    if flags.any():
        index = int(np.flatnonzero(flags)[0])
        raise BinancePayloadError(
            f"kline {index} (open time {candles.open_time_ms[index]}): {describe(int(flags[index]))}")
