"""Candles with kline extras, and data.binance.vision kline files (12 columns) built from them."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np

from domain.market.candles import MINUTE_MS
from domain.market.extras import EXTRA_COLUMNS, OhlcvExtras
from domain.market.quality import COLUMNS, Ohlcv


def with_extras(candles: Ohlcv, seed: int = 0) -> OhlcvExtras:
    rng = np.random.default_rng(seed)
    return OhlcvExtras.of(candles, {"quote_volume": candles.volume * candles.close,
                                    "trades": rng.integers(1, 500, len(candles)).astype(float),
                                    "taker_buy_volume": candles.volume * rng.uniform(0, 1, len(candles))})


def kline_lines(candles: OhlcvExtras, time_scale: int = 1) -> list[str]:
    """open time, OHLCV, close time, quote volume, trades, taker buy base and quote volume, ignore."""
    rows = zip(*(getattr(candles, name).tolist() for name in (*COLUMNS, *EXTRA_COLUMNS)), strict=True)
    return [f"{t * time_scale},{o!r},{h!r},{lo!r},{c!r},{v!r},{(t + MINUTE_MS - 1) * time_scale},{q!r},{int(n)},"
            f"{b!r},{b * c!r},0" for t, o, h, lo, c, v, q, n, b in rows]


def write_zip(path: Path, lines: list[str]) -> str:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(path.with_suffix(".csv").name, "\n".join(lines) + "\n")
    return str(path)
