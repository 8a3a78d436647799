"""Parsing shared by the adapters that read candle files (files, binance archives): no I/O."""
