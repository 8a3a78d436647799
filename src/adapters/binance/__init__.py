"""Binance: REST klines over httpx and the data.binance.vision archive files."""

from adapters.binance.archive import BinanceArchiveReader
from adapters.binance.klines import BinanceError, BinancePayloadError, parse_klines
from adapters.binance.rest import (
    BinanceBanned,
    BinanceKlineFeed,
    BinanceRestClient,
    BinanceUnavailable,
    RetryPolicy,
    WeightBudget,
)
from adapters.binance.source import BinanceRestCandleSource

__all__ = [
    "BinanceArchiveReader",
    "BinanceBanned",
    "BinanceError",
    "BinanceKlineFeed",
    "BinancePayloadError",
    "BinanceRestCandleSource",
    "BinanceRestClient",
    "BinanceUnavailable",
    "RetryPolicy",
    "WeightBudget",
    "parse_klines",
]
