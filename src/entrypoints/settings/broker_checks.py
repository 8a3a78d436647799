"""The live brokers' settings (mt5, mt5-rest, metaapi, and the bridge's own): each problem by key,
before anything starts. The values are checked whatever the broker, so that a bad one is found
before the day it is switched on."""

from __future__ import annotations

import math

from adapters.mt5_rest.server import MIN_TOKEN_LENGTH
from application.brokers.symbols import SymbolMap
from domain.market.candles import Pair
from entrypoints.settings.issue import Issue
from entrypoints.settings.schema import Settings

# what each live broker cannot run without (mt5 and metaapi: checks._REQUIRED)
BRIDGE_NEEDS = ("broker.mt5_bridge_url", "broker.mt5_bridge_token")


def broker_problems(s: Settings) -> list[Issue]:
    b = s.broker
    problems = _symbol_problems(s)
    if b.magic < 1:
        problems.append(Issue.at("broker.magic", "must be a positive whole number (the orders' magic number)"))
    if not (math.isfinite(b.deviation_bps) and 0 <= b.deviation_bps <= 500):
        problems.append(Issue.at("broker.deviation_bps", "must be a number of bps from 0 to 500"))
    if not (math.isfinite(b.timeout_seconds) and b.timeout_seconds > 0):
        problems.append(Issue.at("broker.timeout_seconds", "must be a number of seconds > 0"))
    if not 1 <= b.mt5_bridge_port <= 65535:
        problems.append(Issue.at("broker.mt5_bridge_port", "must be a TCP port from 1 to 65535"))
    if not b.mt5_bridge_bind.strip():
        problems.append(Issue.at("broker.mt5_bridge_bind", "must be an address to bind, e.g. 127.0.0.1"))
    if b.mt5_bridge_token is not None and len(b.mt5_bridge_token.reveal()) < MIN_TOKEN_LENGTH:
        problems.append(Issue.at("broker.mt5_bridge_token", f"must be at least {MIN_TOKEN_LENGTH} characters"))
    for key, url in (("broker.mt5_bridge_url", b.mt5_bridge_url), ("broker.metaapi_base_url", b.metaapi_base_url)):
        if url and not url.startswith(("http://", "https://")):
            problems.append(Issue.at(key, "must be an http:// or https:// URL"))
    if not b.metaapi_region.strip():
        problems.append(Issue.at("broker.metaapi_region", "must name the account's region, e.g. new-york"))
    if b.name == "mt5-rest":
        problems += [Issue((key, "broker.name"), "required when broker.name is mt5-rest")
                     for key in BRIDGE_NEEDS if not getattr(b, key.split(".")[1])]
    return problems


def _symbol_problems(s: Settings) -> list[Issue]:
    try:
        symbols = SymbolMap(s.broker.symbols)
    except ValueError as exc:
        return [Issue.at("broker.symbols", f"{exc} (entries read PAIR=SYMBOL, e.g. BTCUSDT=BTCUSD)")]
    if s.broker.name == "paper":
        return []
    missing = []
    for text in s.pairs:
        try:
            if symbols.symbol(Pair.parse(text)) is None:
                missing.append(text)
        except ValueError:
            continue  # reported under pairs
    return [Issue(("broker.symbols", "pairs"), f"no broker symbol for {', '.join(missing)}")] if missing else []
