"""MetaApi's JSON (its MetatraderAccountInformation, MetatraderPosition, MetatraderDeal,
MetatraderTick and MetatraderSymbolSpecification models) read into the broker port's values.
Unknown fields are ignored; a missing or mistyped field the port needs is ``MalformedAnswer``."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from application.brokers.symbols import SymbolMap, client_id_of
from application.brokers.values import AccountInfo, BrokerPosition, Deal, DealEntry, DealReason, SymbolSpec, Tick
from domain.market.candles import Direction, Pair, require_utc

CLIENT_ID_LIMIT = 26  # MetaApi keeps clientId in the order comment: 26 letters, digits and _ together
SUCCESS_CODES = frozenset({"ERR_NO_ERROR", "TRADE_RETCODE_PLACED", "TRADE_RETCODE_DONE", "TRADE_RETCODE_DONE_PARTIAL",
                           "TRADE_RETCODE_NO_CHANGES"})
_REASONS = {"DEAL_REASON_CLIENT": DealReason.CLIENT, "DEAL_REASON_MOBILE": DealReason.CLIENT,
            "DEAL_REASON_WEB": DealReason.CLIENT, "DEAL_REASON_EXPERT": DealReason.EXPERT,
            "DEAL_REASON_SL": DealReason.STOP_LOSS, "DEAL_REASON_TP": DealReason.TAKE_PROFIT,
            "DEAL_REASON_SO": DealReason.STOP_OUT}


class MalformedAnswer(ValueError):
    """A MetaApi answer without a field the port needs."""


def _field(row: Mapping[str, Any], name: str, kind: Callable[[Any], Any] = float) -> Any:
    value = row.get(name)
    if value is None or (isinstance(value, bool) and kind is not bool):
        raise MalformedAnswer(f"MetaApi answer lacks {name}")
    try:
        converted = kind(value)
    except (TypeError, ValueError) as exc:
        raise MalformedAnswer(f"MetaApi {name} is not a {getattr(kind, '__name__', kind)}: {value!r}") from exc
    if isinstance(converted, float) and not math.isfinite(converted):
        raise MalformedAnswer(f"MetaApi {name} is not finite: {value!r}")
    return converted


def parse_time(value: Any) -> datetime:
    return require_utc(datetime.fromisoformat(str(value)), "time")


def _when(row: Mapping[str, Any]) -> datetime:
    return _field(row, "time", parse_time)  # type: ignore[no-any-return]


def account(row: Mapping[str, Any]) -> AccountInfo:
    return AccountInfo(_field(row, "balance"), _field(row, "equity"), _field(row, "margin"),
                       _field(row, "freeMargin"), _field(row, "currency", str))


def spec(pair: Pair, row: Mapping[str, Any]) -> SymbolSpec:
    digits = row.get("digits")
    tick_size = _field(row, "tickSize")
    point = float(row["point"]) if row.get("point") else 10.0 ** -int(digits) if digits is not None else tick_size
    places = int(digits) if digits is not None else max(0, round(-math.log10(point)))
    return SymbolSpec(pair, _field(row, "symbol", str), _field(row, "contractSize"), _field(row, "minVolume"),
                      _field(row, "maxVolume"), _field(row, "volumeStep"), point, places)


def tick(pair: Pair, row: Mapping[str, Any]) -> Tick:
    return Tick(pair, _field(row, "bid"), _field(row, "ask"), _when(row))


def position(row: Mapping[str, Any], symbols: SymbolMap, magic: int) -> BrokerPosition:
    symbol = _field(row, "symbol", str)
    tag = row.get("clientId")
    ours = row.get("magic") == magic and isinstance(tag, str) and bool(tag)
    direction = Direction.LONG if row.get("type") == "POSITION_TYPE_BUY" else Direction.SHORT
    return BrokerPosition(_field(row, "id", str), symbol, symbols.pair(symbol),
                          client_id_of(str(tag), CLIENT_ID_LIMIT, "_") if ours else None, direction,
                          _field(row, "volume"), _field(row, "openPrice"), _when(row), row.get("stopLoss") or None,
                          row.get("takeProfit") or None, float(row.get("profit") or 0.0), float(row.get("swap") or 0.0))


def deal(row: Mapping[str, Any], symbols: SymbolMap, tags: Mapping[str, str]) -> Deal | None:
    """A trade deal (buy or sell), None for balance and other deals. ``tags`` holds the clientId of
    this runtime's positions by position id (a closing deal's own clientId may be rewritten)."""
    kind, entry = row.get("type"), row.get("entryType")
    if kind not in ("DEAL_TYPE_BUY", "DEAL_TYPE_SELL") or entry is None:
        return None
    side = DealEntry.IN if entry == "DEAL_ENTRY_IN" else DealEntry.OUT
    direction = Direction.LONG if (kind == "DEAL_TYPE_BUY") == (side is DealEntry.IN) else Direction.SHORT
    symbol = _field(row, "symbol", str)
    tag = tags.get(str(row.get("positionId")))
    return Deal(_field(row, "id", str), _field(row, "positionId", str), symbol, symbols.pair(symbol),
                client_id_of(tag, CLIENT_ID_LIMIT, "_") if tag else None, direction, side, _field(row, "volume"),
                _field(row, "price"), _when(row), _REASONS.get(str(row.get("reason")), DealReason.OTHER),
                float(row.get("commission") or 0.0), float(row.get("swap") or 0.0), float(row.get("profit") or 0.0))


def cost(row: Mapping[str, Any]) -> float:
    """A deal's commission as a cost (booked negative); a rebate counts as none."""
    return max(0.0, -float(row.get("commission") or 0.0))


def rows(payload: Any, key: str) -> list[Mapping[str, Any]]:
    """A list answer; some MetaApi versions wrap it as {key: [...], "synchronizing": ...}."""
    if isinstance(payload, Mapping):
        payload = payload.get(key)
    if not isinstance(payload, list) or not all(isinstance(r, Mapping) for r in payload):
        raise MalformedAnswer(f"MetaApi answer is not a list of {key}")
    return payload
