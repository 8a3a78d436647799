from __future__ import annotations

import pytest

from adapters.binance import BinancePayloadError, parse_klines
from domain.market.candles import MINUTE_MS
from tests.fakes.candles import T0


def row(t: int, o: str = "10.0", h: str = "11.0", lo: str = "9.5", c: str = "10.5", v: str = "3.0") -> list[object]:
    return [t, o, h, lo, c, v, t + 59_999, "31.5", 12, "1.5", "15.75", "0"]


def test_parses_strings_and_drops_the_open_candle() -> None:
    payload = [row(T0), row(T0 + MINUTE_MS), row(T0 + 2 * MINUTE_MS)]
    candles, raw = parse_klines(payload, now_ms=T0 + 2 * MINUTE_MS + 10_000)
    assert raw == 3 and candles.open_time_ms.tolist() == [T0, T0 + MINUTE_MS]
    assert candles.close.tolist() == [10.5, 10.5]


def test_extra_fields_are_tolerated() -> None:
    candles, _ = parse_klines([[*row(T0), "new field"]], now_ms=T0 + 10 * MINUTE_MS)
    assert len(candles) == 1


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"code": -1121, "msg": "Invalid symbol."}, "JSON array"),
        ([row(T0)[:5]], "12 fields"),
        ([row(T0, c="abc")], "not a number"),
        ([row(T0, c=None)], "non-numeric"),  # type: ignore[arg-type]
        ([row(T0, h="1.0")], "high/low"),
        ([row(T0, v="-1")], "volume"),
        ([row(T0 + MINUTE_MS), row(T0)], "goes back"),
        ([row(T0 + 30_000)], "whole minute"),
    ],
)
def test_malformed_payloads_are_refused_whole(payload: object, message: str) -> None:
    with pytest.raises(BinancePayloadError, match=message):
        parse_klines(payload, now_ms=T0 + 10 * MINUTE_MS)


def test_a_page_before_the_requested_start_goes_backwards() -> None:
    with pytest.raises(BinancePayloadError, match="backwards"):
        parse_klines([row(T0)], now_ms=T0 + 10 * MINUTE_MS, start_ms=T0 + MINUTE_MS)
