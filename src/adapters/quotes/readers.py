"""Read best bid/ask quote files with pandas, vectorised, and refuse bad ones by file and line.

A file is decompressed whole first: a gzip cut short is then reported at the line where the data
stops, instead of surfacing mid-parse as a bare EOFError. Line numbers are 1-based with the header
as line 1; blank lines are kept as rows so that numbering matches the file.
"""

from __future__ import annotations

import hashlib
import io
import re
import zlib
from pathlib import Path

import numpy as np
import pandas as pd

from adapters.quotes.formats import LAYOUTS, MT5_EXPORT_COLUMNS, TRADE_COLUMNS, Layout, describe_known
from application.execution.ports import QuoteBatch, QuoteFileError, QuoteFileReader
from domain.market.candles import Pair

_PANDAS_LINE = re.compile(r"line (\d+)")


def _decompress(path: str, raw: bytes) -> bytes:
    if raw[:2] != b"\x1f\x8b":
        return raw
    out, rest = [], raw
    while rest:  # a .gz may hold several members back to back
        unpacker = zlib.decompressobj(wbits=31)
        try:
            out.append(unpacker.decompress(rest))
        except zlib.error as exc:
            raise QuoteFileError(path, b"".join(out).count(b"\n") + 1, f"corrupt gzip data ({exc})") from None
        if not unpacker.eof:
            line = b"".join(out).count(b"\n") + 1
            raise QuoteFileError(path, line, "the file ends mid-stream (gzip cut short): truncated download or copy?")
        rest = unpacker.unused_data
    return b"".join(out)


def _first_bad(path: str, bad: np.ndarray, why: str, line_offset: int = 0) -> None:
    """Name the first bad row's line (row 0 is line 2, after the header) and count the rest."""
    if bad.any():
        rows = np.flatnonzero(bad)
        more = f" ({len(rows)} bad rows in all)" if len(rows) > 1 else ""
        raise QuoteFileError(path, int(rows[0]) + line_offset + 2, f"{why}{more}")


def _numeric(frame: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)


class PandasQuoteFileReader(QuoteFileReader):
    """``server_time_zone``: the IANA zone MT5 times are written in (the broker's server clock)."""

    def __init__(self, server_time_zone: str = "UTC") -> None:
        self._zone = server_time_zone

    def read(self, path: str) -> QuoteBatch:
        try:
            raw = Path(path).read_bytes()
        except OSError as exc:
            raise QuoteFileError(path, None, f"cannot be read ({exc.strerror})") from None
        sha = hashlib.sha256(raw).hexdigest()
        text = _decompress(path, raw)
        header = text.split(b"\n", 1)[0].decode("utf-8", errors="replace").strip().lstrip("\ufeff")
        if header.startswith(MT5_EXPORT_COLUMNS[0]):
            return self._mt5_export(path, sha, text)
        columns = {c.strip() for c in header.split(",")}
        layout = next((lay for lay in LAYOUTS if lay.required <= columns), None)
        if layout is not None:
            return self._layout(path, sha, text, layout)
        if any(trade <= columns for trade in TRADE_COLUMNS):
            return _empty(path, "trades", sha, "trade prints carry no bid/ask; not used for spreads")
        shown = header if len(header) <= 120 else header[:117] + "..."
        raise QuoteFileError(path, 1, f"unknown header {shown!r}; expected one of: {describe_known()}")

    def _frame(self, path: str, text: bytes, **options: object) -> pd.DataFrame:
        try:
            frame: pd.DataFrame = pd.read_csv(io.BytesIO(text), skip_blank_lines=False,  # type: ignore[call-overload]
                                              **options)
            return frame
        except (pd.errors.ParserError, ValueError, UnicodeDecodeError) as exc:
            found = _PANDAS_LINE.search(str(exc))
            raise QuoteFileError(path, int(found.group(1)) if found else None,
                                 f"cannot be parsed ({str(exc).strip()})") from None

    def _layout(self, path: str, sha: str, text: bytes, layout: Layout) -> QuoteBatch:
        wanted = [layout.time, layout.bid, layout.ask] + ([layout.symbol] if layout.symbol else [])
        # every column read, not usecols: pandas then refuses a row with extra fields (two lines run together)
        frame = self._frame(path, text, dtype={layout.symbol: str} if layout.symbol else None)[wanted]
        raw_time = _numeric(frame, layout.time)
        _first_bad(path, ~np.isfinite(raw_time) | (raw_time <= 0), f"missing or unreadable time ({layout.time})")
        scale = {"ns": 1_000_000, "ms": 1}[layout.unit]
        time_ms = (raw_time // scale).astype(np.int64)
        if layout.server_time:
            time_ms = self._server_to_utc(pd.to_datetime(time_ms, unit="ms"))
        symbols = frame[layout.symbol] if layout.symbol else pd.Series([_symbol_from_name(path)] * len(frame))
        bid, ask = _numeric(frame, layout.bid), _numeric(frame, layout.ask)
        return _batch(path, layout.kind, sha, symbols, time_ms, bid, ask)

    def _mt5_export(self, path: str, sha: str, text: bytes) -> QuoteBatch:
        frame = self._frame(path, text, sep="\t", dtype=str)[list(MT5_EXPORT_COLUMNS)]
        stamp = pd.to_datetime(frame["<DATE>"] + " " + frame["<TIME>"], format="%Y.%m.%d %H:%M:%S.%f",
                               errors="coerce")
        _first_bad(path, stamp.isna().to_numpy(),
                   "missing or unreadable <DATE> <TIME> (expected e.g. 2024.01.31 23:59:59.123)")
        # the terminal writes only the fields a tick changed: an empty bid or ask is the previous one
        bid = pd.to_numeric(frame["<BID>"], errors="coerce")
        ask = pd.to_numeric(frame["<ASK>"], errors="coerce")
        _first_bad(path, (bid.isna() & frame["<BID>"].notna()).to_numpy(), "unreadable <BID>")
        _first_bad(path, (ask.isna() & frame["<ASK>"].notna()).to_numpy(), "unreadable <ASK>")
        bid, ask = bid.ffill(), ask.ffill()
        known = (bid.notna() & ask.notna()).to_numpy()  # ticks before both sides were first quoted
        symbols = pd.Series([_symbol_from_name(path)] * int(known.sum()))
        time_ms = self._server_to_utc(pd.DatetimeIndex(stamp[known]))
        offset = int(np.argmax(known)) if known.any() else 0
        return _batch(path, "mt5_export", sha, symbols, time_ms, bid.to_numpy(np.float64)[known],
                      ask.to_numpy(np.float64)[known], line_offset=offset)

    def _server_to_utc(self, naive: pd.DatetimeIndex) -> np.ndarray:
        if self._zone == "UTC":
            local = naive.tz_localize("UTC")
        else:
            # the hour repeated when the server's clock falls back is read as summer time
            local = naive.tz_localize(self._zone, ambiguous=np.ones(len(naive), dtype=bool),
                                      nonexistent="shift_forward")
        return np.asarray(local.tz_convert("UTC").as_unit("ms").asi8, dtype=np.int64)


def _symbol_from_name(path: str) -> str:
    # MT5 names its exports SYMBOL_YYYYMMDDHHMM_YYYYMMDDHHMM.csv; ticks saved by a script follow suit
    stem = Path(path).name.split(".")[0]
    return re.split(r"[_\s]", stem, maxsplit=1)[0]


def _empty(path: str, kind: str, sha: str, note: str) -> QuoteBatch:
    none = np.zeros(0)
    return QuoteBatch(path, kind, sha, (), none.astype(np.int64), none.astype(np.int64), none, none, note)


def _batch(path: str, kind: str, sha: str, symbols: pd.Series, time_ms: np.ndarray, bid: np.ndarray,
           ask: np.ndarray, line_offset: int = 0) -> QuoteBatch:
    def check(bad: np.ndarray, why: str) -> None:
        _first_bad(path, bad, why, line_offset)

    missing_symbol = symbols.isna().to_numpy() | (symbols.astype(str).str.strip() == "").to_numpy()
    check(missing_symbol, "missing symbol")
    check(~np.isfinite(bid) | ~np.isfinite(ask), "missing or unreadable bid/ask")
    check((bid <= 0) | (ask <= 0), "zero or negative quote")
    crossed = bid > ask
    if crossed.any():
        first = int(np.argmax(crossed))
        check(crossed, f"crossed quote: bid {bid[first]} > ask {ask[first]}")
    codes, uniques = pd.factorize(symbols.astype(str).str.strip())
    for index, symbol in enumerate(uniques):
        try:
            Pair.parse(symbol)
        except ValueError:
            check(codes == index, f"{symbol!r} is not a pair (e.g. BTCUSDT, BTC/USDT, BTCUSD)")
    return QuoteBatch(path, kind, sha, tuple(str(s) for s in uniques), codes.astype(np.int64), time_ms, bid, ask)
