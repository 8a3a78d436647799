"""The market: pairs, candles and windows, data quality, sessions, indicators."""
