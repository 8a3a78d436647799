"""Naming across the broker boundary: the signals' pairs and the broker's symbols, and the client
id (the signal id) as the short tag a broker can store with an order.

Brokers keep a client's mark in a short text field: MT5 in the order comment (31 characters),
MetaApi in its ``clientId`` (26 letters, digits and ``_`` with the comment). ``client_tag`` makes
that mark from the signal id, deterministically, so that the order is found again by its id.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping

import attrs

from domain.market.candles import Pair

DEFAULT_SYMBOLS = ("BTCUSDT=BTCUSD", "ETHUSDT=ETHUSD", "BNBUSDT=BNBUSD")

_READABLE = re.compile(r"[A-Za-z0-9-]+")


def client_tag(client_id: str, limit: int, dash: str = "-") -> str:
    """The broker-side mark of ``client_id``: the id itself (its dashes written as ``dash``) when it
    is letters, digits and dashes and fits in ``limit``; otherwise ``x`` and the first ``limit-1``
    hex digits of its SHA-256. One-to-one in practice: a readable tag never has ``limit`` hex
    characters after an ``x`` (such an id is hashed itself), and hashes are 100+ bits long."""
    if limit < 16:
        raise ValueError(f"a client tag needs at least 16 characters, got a limit of {limit}")
    if _READABLE.fullmatch(client_id) and len(client_id) <= limit and not _looks_hashed(client_id, limit):
        return client_id.replace("-", dash)
    return "x" + hashlib.sha256(client_id.encode()).hexdigest()[: limit - 1]


def client_id_of(tag: str, limit: int, dash: str = "-") -> str:
    """The client id a tag was made from, or the tag itself when it is a hash (match those with
    ``client_tag``). Only meaningful for tags this runtime wrote (the broker's magic number)."""
    return tag if _looks_hashed(tag, limit) else tag.replace(dash, "-")


def _looks_hashed(text: str, limit: int) -> bool:
    return len(text) == limit and text[0] == "x" and all(c in "0123456789abcdef" for c in text[1:])


def _entries(value: Mapping[str, str] | Iterable[str | tuple[Pair, str]]) -> tuple[tuple[Pair, str], ...]:
    items = value.items() if isinstance(value, Mapping) else (_split(entry) for entry in value)
    pairs = tuple((pair if isinstance(pair, Pair) else Pair.parse(pair), symbol.strip()) for pair, symbol in items)
    for pair, symbol in pairs:
        if not symbol or not symbol.isprintable() or " " in symbol:
            raise ValueError(f"broker symbol for {pair} must be a name like BTCUSD, got {symbol!r}")
    for index, (pair, symbol) in enumerate(pairs):
        if any(p == pair or s == symbol for p, s in pairs[:index]):
            raise ValueError(f"symbol map names {pair} or {symbol} twice")
    return pairs


def _split(entry: str | tuple[Pair, str]) -> tuple[Pair | str, str]:
    if isinstance(entry, tuple):
        return entry
    pair, sep, symbol = entry.partition("=")
    if not sep:
        raise ValueError(f"symbol map entry must read PAIR=SYMBOL (BTCUSDT=BTCUSD), got {entry!r}")
    return pair, symbol


@attrs.frozen
class SymbolMap:
    """The signals' pairs to the broker's symbols (BTCUSDT -> BTCUSD); a setting, since brokers
    name symbols their own way (suffixes such as BTCUSD.r)."""

    entries: tuple[tuple[Pair, str], ...] = attrs.field(default=DEFAULT_SYMBOLS, converter=_entries)

    def symbol(self, pair: Pair) -> str | None:
        return next((s for p, s in self.entries if p == pair), None)

    def pair(self, symbol: str) -> Pair | None:
        return next((p for p, s in self.entries if s == symbol), None)
