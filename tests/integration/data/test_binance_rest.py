"""BinanceRestClient, BinanceKlineFeed and the download use case against a local kline server."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from adapters.binance import (
    BinanceBanned,
    BinanceError,
    BinanceKlineFeed,
    BinanceRestCandleSource,
    BinanceRestClient,
    BinanceUnavailable,
    RetryPolicy,
)
from adapters.parquet import ParquetCandleStore
from application.data.ingest_download import DownloadCandles
from domain.market.candles import MINUTE_MS, Pair, ms_to_datetime
from domain.market.quality import Ohlcv, check_quality
from tests.integration.data.kline_server import Fault, KlineServer

BNB = Pair("BNBUSDT")
FAST = RetryPolicy(attempts=3, backoff_initial_s=0.001, backoff_max_s=0.01, timeout_s=0.3)


class Sleeps(list[float]):
    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def client(base_url: str, candles: Ohlcv, sleeps: Sleeps | None = None) -> BinanceRestClient:
    # the last real row is the candle still open "now"
    now = int(candles.open_time_ms[-1]) + 30_000
    return BinanceRestClient(base_url, retry=FAST, sleep=sleeps if sleeps is not None else Sleeps(),
                             now_ms=lambda: now)


def download(base_url: str, candles: Ohlcv, store: ParquetCandleStore, sleeps: Sleeps | None = None):  # type: ignore[no-untyped-def]
    start, end = int(candles.open_time_ms[0]), int(candles.open_time_ms[-1]) + MINUTE_MS
    use_case = DownloadCandles(BinanceKlineFeed(client(base_url, candles, sleeps)), store, flush_rows=1000)
    return use_case(BNB, start, end)


def assert_stored_prefix(store: ParquetCandleStore, candles: Ohlcv, rows: int) -> None:
    stored = store.load(BNB)
    assert len(stored) == rows
    assert np.array_equal(stored.open_time_ms, candles.open_time_ms[:rows])
    assert np.allclose(stored.values(), candles.values()[:rows], rtol=1e-12)
    assert check_quality(stored).row_errors == 0


def test_pages_over_several_requests_and_never_stores_the_open_candle(
        tmp_path: Path, base_url: str, kline_server: KlineServer, real_candles: Ohlcv) -> None:
    store = ParquetCandleStore(tmp_path)
    report = download(base_url, real_candles, store)
    assert report.fetched == report.added == len(real_candles) - 1
    assert_stored_prefix(store, real_candles, len(real_candles) - 1)
    starts = [r["startTime"] for r in kline_server.requests]
    assert starts == [int(real_candles.open_time_ms[0]) + i * 1000 * MINUTE_MS for i in range(4)]
    assert all(r["limit"] == 1000 and r["interval"] == "1m" and r["symbol"] == "BNBUSDT"
               for r in kline_server.requests)


def test_interrupted_download_resumes_where_the_store_ends(
        tmp_path: Path, base_url: str, kline_server: KlineServer, real_candles: Ohlcv) -> None:
    store = ParquetCandleStore(tmp_path)
    kline_server.fail_from = 2
    with pytest.raises(BinanceUnavailable, match="HTTP 500"):
        download(base_url, real_candles, store)
    assert_stored_prefix(store, real_candles, 2000)
    kline_server.fail_from = None
    kline_server.requests.clear()
    report = download(base_url, real_candles, store)
    assert kline_server.requests[0]["startTime"] == int(real_candles.open_time_ms[2000])
    assert report.added == len(real_candles) - 2001
    assert_stored_prefix(store, real_candles, len(real_candles) - 1)


def test_429_waits_retry_after_then_continues(tmp_path: Path, base_url: str, kline_server: KlineServer,
                                             real_candles: Ohlcv) -> None:
    kline_server.script(Fault(), Fault(status=429, headers={"Retry-After": "7"}))
    sleeps = Sleeps()
    store = ParquetCandleStore(tmp_path)
    download(base_url, real_candles, store, sleeps)
    assert 7.0 in sleeps
    assert_stored_prefix(store, real_candles, len(real_candles) - 1)


def test_418_stops_with_a_clear_message(tmp_path: Path, base_url: str, kline_server: KlineServer,
                                        real_candles: Ohlcv) -> None:
    kline_server.script(Fault(), Fault(status=418, headers={"Retry-After": "120"}))
    store = ParquetCandleStore(tmp_path)
    with pytest.raises(BinanceBanned, match=r"banned this IP \(HTTP 418\) for 120"):
        download(base_url, real_candles, store)
    assert len(kline_server.requests) == 2  # no retry after a ban
    assert_stored_prefix(store, real_candles, 1000)


@pytest.mark.parametrize("fault", [Fault(status=502), Fault(status=503), Fault(delay_s=1.0)], ids=["502", "503", "timeout"])
def test_server_errors_and_timeouts_are_retried(tmp_path: Path, base_url: str, kline_server: KlineServer,
                                                real_candles: Ohlcv, fault: Fault) -> None:
    kline_server.script(fault, fault)
    sleeps = Sleeps()
    store = ParquetCandleStore(tmp_path)
    download(base_url, real_candles, store, sleeps)
    assert sleeps[:2] == [FAST.backoff(1), FAST.backoff(2)]
    assert_stored_prefix(store, real_candles, len(real_candles) - 1)


def test_used_weight_near_the_limit_pauses_until_the_next_minute(tmp_path: Path, base_url: str,
                                                                  kline_server: KlineServer,
                                                                  real_candles: Ohlcv) -> None:
    kline_server.used_weight = 5_990
    sleeps = Sleeps()
    download(base_url, real_candles, ParquetCandleStore(tmp_path), sleeps)
    assert sleeps and all(30 <= s <= 61 for s in sleeps)  # now is 30 s into a minute


def _drop_field(rows: list) -> list:  # type: ignore[type-arg]
    return [rows[0][:5], *rows[1:]]


def _non_numeric(rows: list) -> list:  # type: ignore[type-arg]
    rows[3] = [*rows[3][:4], "abc", *rows[3][5:]]
    return rows


def _backwards(rows: list) -> list:  # type: ignore[type-arg]
    return [[rows[0][0] - 5 * MINUTE_MS, *rows[0][1:]], *rows]


def _broken_ohlc(rows: list) -> list:  # type: ignore[type-arg]
    rows[7] = [rows[7][0], rows[7][1], "0.00000001", *rows[7][3:]]
    return rows


@pytest.mark.parametrize("rewrite", [_drop_field, _non_numeric, _backwards, _broken_ohlc],
                         ids=["missing-field", "non-numeric", "backwards", "high-below-open"])
def test_malformed_page_is_retried_then_reported_and_never_stored(
        tmp_path: Path, base_url: str, kline_server: KlineServer, real_candles: Ohlcv, rewrite) -> None:  # type: ignore[no-untyped-def]
    store = ParquetCandleStore(tmp_path)
    kline_server.script(Fault(), Fault(rewrite=rewrite))
    download(base_url, real_candles, store)  # once: the retry gets a good page
    assert_stored_prefix(store, real_candles, len(real_candles) - 1)

    other = ParquetCandleStore(tmp_path / "other")
    kline_server.script(Fault(), *[Fault(rewrite=rewrite)] * FAST.attempts)
    with pytest.raises(BinanceUnavailable, match="malformed"):
        download(base_url, real_candles, other)
    assert_stored_prefix(other, real_candles, 1000)


def test_a_refusal_such_as_an_unknown_symbol_is_not_retried(base_url: str, kline_server: KlineServer,
                                                           real_candles: Ohlcv) -> None:
    kline_server.script(Fault(status=400, body={"code": -1121, "msg": "Invalid symbol."}))
    with pytest.raises(BinanceError, match="Invalid symbol"):
        client(base_url, real_candles).klines(BNB, start_ms=0)
    assert len(kline_server.requests) == 1


def test_rest_candle_source_returns_the_latest_closed_candles(base_url: str, kline_server: KlineServer,
                                                              real_candles: Ohlcv) -> None:
    source = BinanceRestCandleSource(client=client(base_url, real_candles))
    end = ms_to_datetime(int(real_candles.open_time_ms[3000]))  # candles up to 2999 have closed
    window = source.window(BNB, end, 1500)
    assert len(window) == 1500
    assert np.array_equal(window.open_time_ms, real_candles.open_time_ms[1500:3000])
    assert np.allclose(window.close, real_candles.close[1500:3000])
    latest = source.window(BNB, ms_to_datetime(int(real_candles.open_time_ms[-1]) + 10 * MINUTE_MS), 5)
    assert latest.open_time_ms[-1] == real_candles.open_time_ms[-2]  # the open candle is left out
    first, _ = source.coverage(BNB) or (None, None)
    assert first == ms_to_datetime(int(real_candles.open_time_ms[0]))
