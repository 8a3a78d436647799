"""Quote files in, execution-metrics files out: readers of best bid/ask captures (MT5 ticks and
terminal exports, Binance bookTicker captures, 1-minute bid/ask bars), detected by header and
parsed with pandas, and the dated JSON metrics files with their latest-link."""

from adapters.quotes.metrics_store import JsonMetricsStore
from adapters.quotes.readers import PandasQuoteFileReader

__all__ = ["JsonMetricsStore", "PandasQuoteFileReader"]
