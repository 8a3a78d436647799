"""Use cases and ports of market data: import, download, validate, splits, replay files."""
