"""The execution context: measuring spread and slippage from real quotes and fills into the
execution model, and keeping the dated metrics files the runtime and the backtest read."""
