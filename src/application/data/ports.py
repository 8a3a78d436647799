"""Ports of the market-data pipeline: where candles are stored, read from files and downloaded.

Also the clock and the candle source the runtime reads market time and candles from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Protocol

import attrs
import numpy as np

from domain.market.candles import CandleWindow, IntArray, Pair
from domain.market.quality import Ohlcv


class DataError(Exception):
    """Candle data could not be read, fetched or stored; the message says where and why."""


class CandleFileError(DataError):
    """A candle file is missing, unreadable or not in a known layout (the whole file is refused)."""


@attrs.frozen
class LineProblem:
    """A line of a file that could not be parsed at all (wrong field count, not a number...)."""

    line: int
    reason: str


@attrs.frozen(eq=False)
class ParsedFile:
    """The rows of one candle file, in file order, with the line each row came from."""

    path: str
    pair: Pair
    candles: Ohlcv
    lines: IntArray
    unparsed: tuple[LineProblem, ...] = ()
    time_unit: str = "ms"

    @classmethod
    def from_rows(cls, path: str, pair: Pair, candles: Ohlcv, first_line: int,
                  unparsed: tuple[LineProblem, ...] = (), time_unit: str = "ms") -> ParsedFile:
        """Rows that come one per line from ``first_line`` on."""
        lines = np.arange(first_line, first_line + len(candles), dtype=np.int64)
        return cls(path, pair, candles, lines, unparsed, time_unit)


class CandleFileReader(Protocol):
    def read(self, path: str, pair: Pair | None = None) -> ParsedFile:
        """Parse a file; ``pair`` overrides the pair named by the file name.

        Raises CandleFileError when the file as a whole cannot be used."""
        ...


@attrs.frozen(eq=False)
class StoreMerge:
    """What merging candles into the store did (or would do, on a dry run)."""

    added: int
    unchanged: int
    conflicts: Ohlcv  # incoming rows that disagree with stored ones (the stored ones are kept)
    stored_at_conflicts: Ohlcv
    partitions_written: tuple[str, ...]


class CandleStore(Protocol):
    """Closed 1-minute candles by pair, merged by open time."""

    def pairs(self) -> list[Pair]: ...

    def load(self, pair: Pair, start_ms: int | None = None, end_ms: int | None = None) -> Ohlcv:
        """Sorted unique candles with ``start_ms <= open_time < end_ms``."""
        ...

    def last_open_time_ms(self, pair: Pair) -> int | None: ...

    def merge(self, pair: Pair, candles: Ohlcv, source: str, dry_run: bool = False) -> StoreMerge:
        """Add the minutes the store lacks; idempotent; conflicting minutes keep the stored value."""
        ...

    def monthly_rows(self, pair: Pair) -> dict[str, int]:
        """Rows per month ("YYYY-MM") held for the pair."""
        ...


ProgressCallback = Callable[[int, int], None]  # (rows fetched so far, open time reached in ms)


class KlineFeed(Protocol):
    """A remote history of closed candles, fetched in pages."""

    def pages(self, pair: Pair, start_ms: int, end_ms: int) -> Iterator[Ohlcv]:
        """Closed candles with ``start_ms <= open_time < end_ms``, page by page in time order."""
        ...


class Clock(Protocol):
    """Market time. The system clock follows the wall; a replay clock follows the data."""

    def now(self) -> datetime: ...

    def sleep_until(self, moment: datetime) -> None:
        """Return once ``now()`` has reached ``moment`` (a replay clock just jumps there)."""
        ...


class CandleSource(Protocol):
    """Closed 1-minute candles by pair."""

    def window(self, pair: Pair, end: datetime, length: int) -> CandleWindow:
        """Up to ``length`` most recent candles that closed at or before ``end``."""
        ...

    def coverage(self, pair: Pair) -> tuple[datetime, datetime] | None:
        """First open time and last close time available, or None when the pair has no data."""
        ...
