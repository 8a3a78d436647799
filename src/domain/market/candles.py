"""Pairs, candles and windows of candles: the market as the rest of the domain sees it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from enum import Enum

import attrs
import numpy as np
import numpy.typing as npt

ONE_MINUTE = timedelta(minutes=1)
MINUTE_MS = 60_000

_SYMBOL = re.compile(r"^[A-Z0-9]{2,12}(USDT|USDC|BUSD|FDUSD|USD|BTC|ETH|EUR)$")
_QUOTES = ("USDT", "USDC", "BUSD", "FDUSD", "USD", "BTC", "ETH", "EUR")


def require_utc(value: datetime, field: str) -> datetime:
    """Reject naive or non-UTC datetimes: every timestamp in the domain is aware UTC."""
    if value.tzinfo is UTC:  # the common case, on every state change: nothing to check or convert
        return value
    if value.tzinfo is None or value.utcoffset() != timedelta(0):
        raise ValueError(f"{field} must be a timezone-aware UTC datetime, got {value!r}")
    return value.astimezone(UTC)


def ms_to_datetime(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def datetime_to_ms(value: datetime) -> int:
    return int(require_utc(value, "timestamp").timestamp() * 1000)


class Direction(Enum):
    LONG = "LONG"
    SHORT = "SHORT"

    @property
    def sign(self) -> int:
        return 1 if self is Direction.LONG else -1


@attrs.frozen(order=True)
class Pair:
    """An exchange symbol such as BTCUSDT, split into base and quote asset."""

    symbol: str

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.symbol, str) or not _SYMBOL.match(self.symbol):
            raise ValueError(f"pair must be an upper-case exchange symbol like BTCUSDT, got {self.symbol!r}")

    @classmethod
    def parse(cls, text: str) -> Pair:
        return cls(text.strip().upper().replace("/", "").replace("-", "").replace("_", ""))

    @property
    def quote(self) -> str:
        return next(q for q in _QUOTES if self.symbol.endswith(q))

    @property
    def base(self) -> str:
        return self.symbol[: -len(self.quote)]

    def __str__(self) -> str:
        return self.symbol


def _utc_open_time(value: datetime) -> datetime:
    return require_utc(value, "open_time")


@attrs.frozen
class Candle:
    """One closed 1-minute candle. ``open_time`` is the start of its minute."""

    pair: Pair
    open_time: datetime = attrs.field(converter=_utc_open_time)
    open: float
    high: float
    low: float
    close: float
    volume: float

    def __attrs_post_init__(self) -> None:
        prices = (self.open, self.high, self.low, self.close)
        if min(prices) <= 0:
            raise ValueError(f"{self.pair} {self.open_time:%Y-%m-%d %H:%M}: prices must be > 0")
        if self.high < max(self.open, self.close) or self.low > min(self.open, self.close):
            raise ValueError(f"{self.pair} {self.open_time:%Y-%m-%d %H:%M}: high/low inconsistent with open/close")
        if self.volume < 0:
            raise ValueError(f"{self.pair} {self.open_time:%Y-%m-%d %H:%M}: volume must be >= 0")

    @property
    def close_time(self) -> datetime:
        return self.open_time + ONE_MINUTE


FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def as_float_array(values: object) -> FloatArray:
    """attrs converter of a float column: a contiguous float64 array."""
    return np.ascontiguousarray(values, dtype=np.float64)


def as_int_array(values: object) -> IntArray:
    """attrs converter of an integer column (epoch milliseconds): a contiguous int64 array."""
    return np.ascontiguousarray(values, dtype=np.int64)


@attrs.frozen(eq=False)
class CandleWindow:
    """The most recent closed candles of one pair, as columns (open_time in epoch milliseconds).

    Columns rather than Candle objects because predictors and features work on arrays.
    """

    pair: Pair
    open_time_ms: IntArray = attrs.field(converter=as_int_array)
    open: FloatArray = attrs.field(converter=as_float_array)
    high: FloatArray = attrs.field(converter=as_float_array)
    low: FloatArray = attrs.field(converter=as_float_array)
    close: FloatArray = attrs.field(converter=as_float_array)
    volume: FloatArray = attrs.field(converter=as_float_array)

    def __attrs_post_init__(self) -> None:
        n = len(self.open_time_ms)
        for name in ("open", "high", "low", "close", "volume"):
            if len(getattr(self, name)) != n:
                raise ValueError(f"{self.pair}: column {name} has {len(getattr(self, name))} rows, open_time has {n}")
        if n > 1 and bool(np.any(np.diff(self.open_time_ms) <= 0)):
            raise ValueError(f"{self.pair}: open_time must be strictly increasing")

    def __len__(self) -> int:
        return len(self.open_time_ms)

    @property
    def last_close_time(self) -> datetime:
        if len(self) == 0:
            raise ValueError(f"{self.pair}: empty window has no close time")
        return ms_to_datetime(int(self.open_time_ms[-1]) + MINUTE_MS)

    def problems(self, limit: int = 3) -> tuple[str, ...]:
        """Rows no price can be read from (a price not finite or not > 0, a volume not finite or
        negative), named by pair, minute and column; at most ``limit`` of them, then a count."""
        columns = {"open": self.open, "high": self.high, "low": self.low, "close": self.close}
        bad = {name: ~(np.isfinite(v) & (v > 0)) for name, v in columns.items()}
        bad["volume"] = ~(np.isfinite(self.volume) & (self.volume >= 0))
        rows = np.flatnonzero(np.logical_or.reduce(list(bad.values())))
        found = []
        for i in rows[:limit]:
            name = next(n for n, flags in bad.items() if flags[i])
            value = float(getattr(self, name)[i])
            found.append(f"{self.pair} candle {ms_to_datetime(int(self.open_time_ms[i])):%Y-%m-%d %H:%M} UTC: "
                         f"{name} is {value!r}")
        if len(rows) > limit:
            found.append(f"{self.pair}: {len(rows) - limit} more such candles")
        return tuple(found)

    def is_contiguous(self) -> bool:
        """True when no minute is missing inside the window (a gap is a hard break)."""
        return len(self) < 2 or bool(np.all(np.diff(self.open_time_ms) == MINUTE_MS))

    def candle(self, index: int) -> Candle:
        return Candle(
            pair=self.pair,
            open_time=ms_to_datetime(int(self.open_time_ms[index])),
            open=float(self.open[index]),
            high=float(self.high[index]),
            low=float(self.low[index]),
            close=float(self.close[index]),
            volume=float(self.volume[index]),
        )
