"""Helpers shared by several adapter families, importing none of them: the OHLCV line parser the
files and binance readers share (no I/O) and the atomic file write the features and parquet
stores share."""
