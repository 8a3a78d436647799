"""The quote file layouts the reader knows, each recognised by the columns of its header."""

from __future__ import annotations

import attrs


@attrs.frozen
class Layout:
    """``time`` is the column of the row's time, in ``unit`` since the epoch; ``symbol`` None
    means the pair is read from the file name (MT5 files carry no symbol column)."""

    kind: str
    required: frozenset[str]
    time: str
    unit: str
    bid: str = "bid"
    ask: str = "ask"
    symbol: str | None = "symbol"
    server_time: bool = False  # MT5 writes the trade server's wall clock, not UTC


LAYOUTS: tuple[Layout, ...] = (
    # 1-minute bid/ask bars: the close quote of each minute is one sample
    Layout("quote_bars_1m", frozenset({"open_time", "symbol", "bid_close", "ask_close"}), "open_time", "ms",
           bid="bid_close", ask="ask_close"),
    # Binance @bookTicker as recorded by a websocket client (the recorder's clock in ns)
    Layout("binance_book_ticker", frozenset({"local_ts_ns", "symbol", "bid", "ask"}), "local_ts_ns", "ns"),
    # Binance best bid/ask with a millisecond timestamp (e.g. exported from nautilus_trader)
    Layout("binance_book_ticker", frozenset({"timestamp_ms", "symbol", "bid", "ask"}), "timestamp_ms", "ms"),
    # data.binance.vision bookTicker archives: no symbol column, it is in the file name
    Layout("binance_book_ticker_archive", frozenset({"best_bid_price", "best_ask_price", "event_time"}),
           "event_time", "ms", bid="best_bid_price", ask="best_ask_price", symbol=None),
    # MetaTrader5.copy_ticks_range written with pandas.DataFrame.to_csv
    Layout("mt5_ticks", frozenset({"time", "bid", "ask", "last", "volume", "time_msc", "flags"}), "time_msc", "ms",
           symbol=None, server_time=True),
)
# the MT5 terminal's "Export ticks" file: tab-separated, fields in angle brackets
MT5_EXPORT_COLUMNS = ("<DATE>", "<TIME>", "<BID>", "<ASK>")
# trade prints: recognised so a folder of captures can be passed whole, but they carry no quotes
TRADE_COLUMNS = (frozenset({"price", "qty"}), frozenset({"price", "quantity"}))


def describe_known() -> str:
    headers = sorted({", ".join(sorted(layout.required)) for layout in LAYOUTS})
    return "; ".join([*headers, "\\t".join(MT5_EXPORT_COLUMNS) + " ... (MT5 export)"])
