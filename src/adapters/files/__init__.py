"""Candle files in plain layouts (OHLCV CSV, gzip or not)."""

from adapters.files.discovery import candle_files
from adapters.files.ohlcv_csv import OhlcvCsvReader

__all__ = ["OhlcvCsvReader", "candle_files"]
