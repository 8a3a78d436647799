"""Ports of the execution context: quote files in, execution-metrics files out."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Protocol

import attrs
import numpy as np
import numpy.typing as npt

from domain.execution.costs import ExecutionModel
from domain.market.candles import require_utc


class QuoteFileError(Exception):
    """A quote file that cannot be used, named by file and (1-based) line."""

    def __init__(self, path: str, line: int | None, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        where = f"{path} line {line}" if line is not None else path
        super().__init__(f"{where}: {message}")


class MetricsFileError(Exception):
    """A metrics file or the latest-link that cannot be read, or a rollback target that is missing."""


@attrs.frozen
class QuoteBatch:
    """Best bid/ask read from one file. ``symbols[symbol_index[i]]`` is row i's pair as written
    in the file; ``time_ms`` is UTC epoch milliseconds. A recognised file without quotes (trade
    prints) has no rows and says why in ``note``."""

    path: str
    kind: str
    sha256: str
    symbols: tuple[str, ...]
    symbol_index: npt.NDArray[np.int64]
    time_ms: npt.NDArray[np.int64]
    bid: npt.NDArray[np.float64]
    ask: npt.NDArray[np.float64]
    note: str = ""

    @property
    def rows(self) -> int:
        return len(self.time_ms)


class QuoteFileReader(Protocol):
    def read(self, path: str) -> QuoteBatch:
        """Detect the file's kind by its header and read it; raise QuoteFileError naming the file
        and line of the first bad row (crossed, zero or unreadable quote, unknown header, file cut
        short)."""
        ...


def _utc(value: datetime) -> datetime:
    return require_utc(value, "time")


@attrs.frozen
class SourceSummary:
    path: str
    kind: str
    sha256: str
    rows: int
    pairs: tuple[str, ...]
    start: datetime | None = attrs.field(default=None, converter=attrs.converters.optional(_utc))
    end: datetime | None = attrs.field(default=None, converter=attrs.converters.optional(_utc))
    note: str = ""


@attrs.frozen
class ExecutionMetrics:
    """What one measurement wrote: the model, where its samples came from, and how it was made."""

    model: ExecutionModel
    generated_at: datetime = attrs.field(converter=_utc)
    min_samples: int
    sources: tuple[SourceSummary, ...]
    samples: dict[str, int]  # spread samples per base asset
    notes: tuple[str, ...] = ()


@attrs.frozen
class StoredMetrics:
    path: Path
    metrics: ExecutionMetrics


class MetricsStore(Protocol):
    def save(self, metrics: ExecutionMetrics, day: date) -> Path:
        """Write a new dated file (never overwriting one: same-day reruns get a suffix) and switch
        the latest-link to it atomically."""
        ...

    def latest(self) -> StoredMetrics | None:
        """The file the latest-link points at, or None when no measurement was ever written."""
        ...

    def files(self) -> Sequence[Path]:
        """Every dated file, oldest first."""
        ...

    def rollback(self, day: str) -> Path:
        """Point the latest-link at the file of ``day`` (YYYY-MM-DD, the day's last rerun; or a
        suffixed name such as 2025-01-02_2)."""
        ...
