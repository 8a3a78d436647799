"""Parquet store of 1-minute candles, partitioned by pair and month."""

from adapters.parquet.frames import read_frame
from adapters.parquet.source import ParquetCandleSource
from adapters.parquet.store import ParquetCandleStore

__all__ = ["ParquetCandleSource", "ParquetCandleStore", "read_frame"]
