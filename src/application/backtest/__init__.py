"""The backtest: the runtime's scan driven over history, fast because the per-bar work is done in bulk."""
