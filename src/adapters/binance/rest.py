"""Binance spot REST over httpx: klines with paging, retries and the exchange's rate limits.

Binance bans an IP (HTTP 418) that keeps calling after a 429, so a 429 waits its Retry-After,
the used weight reported in X-MBX-USED-WEIGHT-1m pauses the client before the limit is reached,
and a 418 stops everything with the time the ban lasts.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import attrs
import httpx

from adapters.binance.klines import BinanceError, BinancePayloadError, parse_klines
from application.data.ports import KlineFeed
from domain.market.candles import MINUTE_MS, Pair
from domain.market.quality import Ohlcv

DEFAULT_BASE_URL = "https://api.binance.com"
KLINES_PATH = "/api/v3/klines"
MAX_LIMIT = 1000


class BinanceBanned(BinanceError):
    """HTTP 418: the IP is banned for a while; retrying would extend the ban."""


class BinanceUnavailable(BinanceError):
    """Timeouts, 5xx or unusable answers persisted through every retry."""


@attrs.frozen
class RetryPolicy:
    attempts: int = 6
    backoff_initial_s: float = 0.5
    backoff_max_s: float = 30.0
    timeout_s: float = 10.0

    def backoff(self, attempt: int) -> float:
        return float(min(self.backoff_max_s, self.backoff_initial_s * 2 ** (attempt - 1)))


@attrs.frozen
class WeightBudget:
    limit_per_minute: int = 6000
    pause_at: float = 0.9  # share of the limit at which the client waits for the next minute


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class BinanceRestClient:
    def __init__(self, base_url: str = DEFAULT_BASE_URL, retry: RetryPolicy | None = None,
                 weight: WeightBudget | None = None, sleep: Callable[[float], None] = time.sleep,
                 now_ms: Callable[[], int] = wall_clock_ms, http: httpx.Client | None = None) -> None:
        self.retry = retry or RetryPolicy()
        self.weight = weight or WeightBudget()
        self.used_weight = 0
        self._sleep = sleep
        self.now_ms = now_ms
        self._http = http or httpx.Client(base_url=base_url, timeout=self.retry.timeout_s,
                                          headers={"User-Agent": "trading-ai"})

    def close(self) -> None:
        self._http.close()

    def klines(self, pair: Pair, start_ms: int | None = None, end_ms: int | None = None,
               limit: int = MAX_LIMIT) -> tuple[Ohlcv, int]:
        """Closed candles (open times within ``start_ms..end_ms`` inclusive) and the raw row count."""
        params: dict[str, Any] = {"symbol": pair.symbol, "interval": "1m", "limit": limit}
        if start_ms is not None:
            params["startTime"] = start_ms
        if end_ms is not None:
            params["endTime"] = end_ms
        result: tuple[Ohlcv, int] = self._get(KLINES_PATH, params,
                                              lambda payload: parse_klines(payload, self.now_ms(), start_ms))
        return result

    def _get(self, path: str, params: dict[str, Any], parse: Callable[[Any], Any]) -> Any:
        problem, wait = "", 0.0
        for attempt in range(1, self.retry.attempts + 1):
            if attempt > 1:
                self._sleep(wait)
            wait = self.retry.backoff(attempt)
            try:
                response = self._http.get(path, params=params)
            except httpx.TimeoutException:
                problem = "timed out"
                continue
            except httpx.TransportError as exc:
                problem = f"network error ({type(exc).__name__}: {exc})"
                continue
            self._track_weight(response)
            problem = self._refusal(response)
            if response.status_code == 429:
                # Binance says how long to wait; calling sooner risks a ban
                wait = _retry_after(response) or wait
            if problem:
                continue
            try:
                return parse(response.json())
            except (ValueError, BinancePayloadError) as exc:
                problem = f"malformed answer ({exc})"
        raise BinanceUnavailable(f"Binance {path} {params.get('symbol', '')}: {problem} after "
                                 f"{self.retry.attempts} attempts; try again later")

    def _refusal(self, response: httpx.Response) -> str:
        """'' for a usable answer, a reason to retry, or an exception for a final refusal."""
        status = response.status_code
        if status == 418:
            raise BinanceBanned(f"Binance banned this IP (HTTP 418) for {_retry_after(response) or 'an unknown'} "
                                "seconds after too many requests; wait that long before downloading again")
        if status == 429:
            return "rate limited (HTTP 429)"
        if status >= 500:
            return f"server error (HTTP {status})"
        if status >= 400:
            raise BinanceError(f"Binance refused the request (HTTP {status}): {response.text[:200]}")
        return ""

    def _track_weight(self, response: httpx.Response) -> None:
        used = response.headers.get("X-MBX-USED-WEIGHT-1m")
        if used is None or not used.isdigit():
            return
        self.used_weight = int(used)
        if self.used_weight >= self.weight.pause_at * self.weight.limit_per_minute:
            now = self.now_ms()
            self._sleep((MINUTE_MS - now % MINUTE_MS) / 1000 + 1)


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None


class BinanceKlineFeed(KlineFeed):
    """History download: pages of up to 1000 closed candles from a start to an end."""

    def __init__(self, client: BinanceRestClient) -> None:
        self._client = client

    def pages(self, pair: Pair, start_ms: int, end_ms: int) -> Iterator[Ohlcv]:
        # never ask past the last minute that has closed
        end_ms = min(end_ms, self._client.now_ms() // MINUTE_MS * MINUTE_MS)
        cursor = start_ms
        while cursor < end_ms:
            page, raw_rows = self._client.klines(pair, cursor, end_ms - 1, MAX_LIMIT)
            page = page.take(page.open_time_ms < end_ms)
            if len(page):
                yield page
                cursor = int(page.open_time_ms[-1]) + MINUTE_MS
            if raw_rows < MAX_LIMIT or not len(page):
                return
