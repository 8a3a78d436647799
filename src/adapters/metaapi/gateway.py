"""The broker port over MetaApi's REST API (https://metaapi.cloud/docs/client/restApi/): account
information, positions, trade (market orders fill-or-kill with stop and take-profit, the signal
id as ``clientId``), deals by time range and by position, the current tick and historical ticks.

Requests carry the ``auth-token`` header; the token never appears in a message. A trade answered
with a retcode is a ``Rejection`` (TRADE_RETCODE_REQUOTE...), except the codes that mean the
terminal had no connection, which are ``BrokerUnavailable`` like every HTTP error and timeout.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from urllib.parse import quote

from adapters.metaapi import wire
from adapters.metaapi.http import MetaApiHttp, iso
from application.brokers.orders import LiveSetup, deviation_points, paid_costs, sendable
from application.brokers.ports import BrokerGateway, BrokerUnavailable
from application.brokers.retcodes import DONE, UNKNOWN, UNREACHABLE, refusal_code
from application.brokers.symbols import client_tag
from application.brokers.values import (
    AccountInfo,
    BrokerPosition,
    Deal,
    DealEntry,
    Execution,
    MarketOrder,
    SymbolSpec,
    Tick,
)
from domain.execution.fills import RejectCode, Rejection
from domain.market.candles import Direction, Pair

T = TypeVar("T")
PAGE = 1000  # MetaApi's largest page of deals or ticks


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class MetaApiGateway(BrokerGateway):
    def __init__(self, token: str, account_id: str, *, region: str = "new-york", base_url: str = "",
                 market_data_base_url: str = "", setup: LiveSetup | None = None, timeout_s: float = 10.0,
                 now: Callable[[], datetime] = _wall_clock, page_size: int = PAGE) -> None:
        """``base_url`` overrides the region's client API host (and the market data host unless that
        is given too): a proxy, or a test server."""
        self._http = MetaApiHttp(token, account_id, region, base_url, market_data_base_url, timeout_s)
        setup = setup or LiveSetup()
        self._symbols, self._instruments, self._magic = setup.symbols, setup.instruments, setup.magic
        self._lookback = setup.lookback
        self._now = now
        self._page = page_size
        # executions are facts: one answered here is answered again as it was, quote included
        self._done: dict[tuple[str, DealEntry], Execution] = {}

    @property
    def name(self) -> str:
        return "metaapi"

    def close_client(self) -> None:
        self._http.close()

    def account(self) -> AccountInfo:
        return self._parse(wire.account, self._http.get("/account-information"))

    def symbol(self, pair: Pair) -> SymbolSpec | None:
        name = self._symbols.symbol(pair)
        if name is None:
            return None
        try:
            answer = self._http.get(f"/symbols/{quote(name, safe='')}/specification")
        except LookupError:
            return None
        return self._parse(lambda row: wire.spec(pair, row), answer)

    def positions(self) -> tuple[BrokerPosition, ...]:
        rows = self._parse(lambda p: wire.rows(p, "positions"), self._http.get("/positions"))
        return tuple(self._parse(lambda r: wire.position(r, self._symbols, self._magic), row) for row in rows)

    def place(self, order: MarketOrder) -> Execution | Rejection:
        if (known := self._done.get((order.client_id, DealEntry.IN)) or self.find(order.client_id)) is not None:
            return known
        ready = sendable(order, self.symbol(order.pair), self._instruments)
        if isinstance(ready, Rejection):
            return ready
        spec, lots = ready
        quote_now = self.tick(order.pair)
        price = quote_now.ask if order.buying else quote_now.bid
        trade = {"actionType": "ORDER_TYPE_BUY" if order.buying else "ORDER_TYPE_SELL", "symbol": spec.symbol,
                 "volume": lots, "stopLoss": round(order.stop_loss, spec.digits),
                 "takeProfit": round(order.take_profit, spec.digits)} | self._common(order.client_id, price,
                                                                                       order.deviation_bps, spec)
        answer = self._trade(trade, order.client_id)
        if isinstance(answer, Rejection):
            return answer
        return self._executed(answer, order.client_id, order.pair, order.direction, DealEntry.IN, quote_now,
                              order.expected_price)

    def close(self, client_id: str, expected_price: float | None = None,
              deviation_bps: float = 10.0) -> Execution | Rejection:
        if (done := self._done.get((client_id, DealEntry.OUT))) is not None:
            return done
        tag = client_tag(client_id, wire.CLIENT_ID_LIMIT, "_")
        raw = self._held(tag)
        held = None if raw is None else self._parse(lambda r: wire.position(r, self._symbols, self._magic), raw)
        if held is None:
            return self._closing(client_id) or Rejection(f"no position for {client_id}", RejectCode.NOT_FOUND)
        spec = None if held.pair is None else self.symbol(held.pair)
        if held.pair is None or spec is None:
            return Rejection(f"{client_id}: {held.symbol} is not a mapped symbol", RejectCode.UNKNOWN_SYMBOL)
        quote_now = self.tick(held.pair)
        price = quote_now.bid if held.direction is Direction.LONG else quote_now.ask
        trade = {"actionType": "POSITION_CLOSE_ID", "positionId": held.ticket} | self._common(
            client_id, price, deviation_bps, spec)
        answer = self._trade(trade, client_id)
        if isinstance(answer, Rejection):
            return answer
        return self._executed(answer, client_id, held.pair, held.direction, DealEntry.OUT, quote_now,
                              expected_price or (quote_now.bid + quote_now.ask) / 2)

    def find(self, client_id: str) -> Execution | None:
        tag = client_tag(client_id, wire.CLIENT_ID_LIMIT, "_")
        held = self._held(tag)
        opening = self._opening(tag, held)
        if opening is not None:
            return self._execution(client_id, opening, [opening])
        if held is None:
            return None
        # its deal has not reached the history yet
        return self._parse(lambda r: wire.position(r, self._symbols, self._magic), held).as_opening(client_id)

    def deals(self, since: datetime, until: datetime) -> tuple[Deal, ...]:
        rows = self._deal_rows(since, until)
        tags = {str(r.get("positionId")): str(r["clientId"]) for r in rows
                if r.get("entryType") == "DEAL_ENTRY_IN" and r.get("magic") == self._magic and r.get("clientId")}
        for row in rows:  # positions opened before the window: their first deal says whose they are
            position_id = str(row.get("positionId"))
            if position_id not in tags and row.get("magic") == self._magic and row.get("entryType") != "DEAL_ENTRY_IN":
                opening = [r for r in self._position_deals(position_id) if r.get("entryType") == "DEAL_ENTRY_IN"]
                tags[position_id] = str(opening[0].get("clientId") or "") if opening else ""
        found = [d for d in (self._parse(lambda r: wire.deal(r, self._symbols, tags), r) for r in rows)
                 if d is not None and since <= d.at < until]
        return tuple(sorted(found, key=lambda d: (d.at, d.ticket)))

    def tick(self, pair: Pair) -> Tick:
        name = self._symbols.symbol(pair)
        if name is None:
            raise LookupError(f"{pair} is not mapped to a broker symbol (BROKER_SYMBOLS)")
        answer = self._http.get(f"/symbols/{quote(name, safe='')}/current-tick")
        return self._parse(lambda r: wire.tick(pair, r), answer)

    def ticks(self, pair: Pair, since: datetime, until: datetime) -> tuple[Tick, ...]:
        name = self._symbols.symbol(pair)
        if name is None:
            raise LookupError(f"{pair} is not mapped to a broker symbol (BROKER_SYMBOLS)")
        path = f"/historical-market-data/symbols/{quote(name, safe='')}/ticks"
        found: list[Tick] = []
        offset = 0
        while True:
            page = self._parse(lambda p: wire.rows(p, "ticks"), self._http.get(
                path, params={"startTime": iso(since), "offset": offset, "limit": self._page}, market_data=True))
            found += [self._parse(lambda r: wire.tick(pair, r), r) for r in page if r.get("bid") and r.get("ask")]
            offset += len(page)
            if len(page) < self._page or (found and found[-1].at >= until):
                return tuple(t for t in found if since <= t.at < until)

    # --- trading

    def _common(self, client_id: str, price: float, deviation_bps: float, spec: SymbolSpec) -> dict[str, Any]:
        return {"clientId": client_tag(client_id, wire.CLIENT_ID_LIMIT, "_"), "magic": self._magic,
                "slippage": deviation_points(price, deviation_bps, spec), "fillingModes": ["ORDER_FILLING_FOK"]}

    def _trade(self, trade: dict[str, Any], client_id: str) -> Mapping[str, Any] | Rejection:
        answer = self._http.call("POST", "/trade", json=trade, ordering=True)
        if not isinstance(answer, Mapping) or not isinstance(answer.get("numericCode"), int):
            raise BrokerUnavailable(f"MetaApi's answer to {client_id}'s trade is malformed", outcome_unknown=True)
        code, name = answer["numericCode"], str(answer.get("stringCode", ""))
        if name in wire.SUCCESS_CODES or code in DONE | {0, 10025}:  # 0: no error, 10025: no changes
            return answer
        detail = f"{name} ({code}): {answer.get('message', '')}"
        if code in UNREACHABLE | UNKNOWN:
            raise BrokerUnavailable(f"MetaApi could not trade {client_id}: {detail}", outcome_unknown=code in UNKNOWN)
        reject = refusal_code(code)
        return Rejection(f"MetaApi refused {client_id}: {reject.value}, {detail}", reject)

    def _executed(self, answer: Mapping[str, Any], client_id: str, pair: Pair, direction: Direction,
                  entry: DealEntry, quote_now: Tick, expected: float) -> Execution:
        position_id = str(answer.get("positionId") or "")
        try:  # done: a history still catching up, or a lost answer now, must not lose the fill
            rows = self._position_deals(position_id) if position_id else []
        except (BrokerUnavailable, LookupError):
            rows = []
        wanted = [r for r in rows if (r.get("entryType") == "DEAL_ENTRY_IN") == (entry is DealEntry.IN)
                  and r.get("type") in ("DEAL_TYPE_BUY", "DEAL_TYPE_SELL")]
        found = self._execution(client_id, wanted[0], wanted, pair) if wanted else \
            self.find(client_id) if entry is DealEntry.IN else None  # the open position stands for its deal
        if found is None:
            raise BrokerUnavailable(f"MetaApi filled {client_id} (position {position_id or '?'}) but its deal is not "
                                    "in the history yet: find it by client id", outcome_unknown=True)
        buying = (direction is Direction.LONG) == (entry is DealEntry.IN)
        spread, slippage = paid_costs(found.price, expected, quote_now.bid, quote_now.ask, buying)
        done = self._done[(client_id, entry)] = Execution(
            client_id, found.ticket, pair, direction, entry, found.price, found.lots, found.commission, found.at,
            spread, slippage)
        return done

    # --- reading the history

    def _held(self, tag: str) -> Mapping[str, Any] | None:
        rows = self._parse(lambda p: wire.rows(p, "positions"), self._http.get("/positions"))
        return next((p for p in rows if p.get("magic") == self._magic and p.get("clientId") == tag), None)

    def _opening(self, tag: str, held: Mapping[str, Any] | None = None) -> Mapping[str, Any] | None:
        """The IN deal carrying ``tag``: from its open position's deals (``held``), else the recent history."""
        if held is not None:
            rows = self._position_deals(str(held.get("id")))
        else:
            now = self._now()
            rows = self._deal_rows(now - self._lookback, now + timedelta(days=1))
        return next((r for r in rows if r.get("entryType") == "DEAL_ENTRY_IN" and r.get("magic") == self._magic
                     and r.get("clientId") == tag), None)

    def _closing(self, client_id: str) -> Execution | None:
        opening = self._opening(client_tag(client_id, wire.CLIENT_ID_LIMIT, "_"))
        if opening is None:
            return None
        outs = [r for r in self._position_deals(str(opening.get("positionId")))
                if r.get("entryType") not in (None, "DEAL_ENTRY_IN") and r.get("type") in ("DEAL_TYPE_BUY",
                                                                                           "DEAL_TYPE_SELL")]
        return self._execution(client_id, opening, outs) if outs else None

    def _execution(self, client_id: str, opening: Mapping[str, Any], rows: list[Mapping[str, Any]],
                   pair: Pair | None = None) -> Execution:
        parsed = [self._parse(lambda r: wire.deal(r, self._symbols, {}), r) for r in rows]
        deals = [d for d in parsed if d is not None]
        pair = pair or (deals[0].pair if deals else None)
        if len(deals) != len(parsed) or pair is None:
            raise BrokerUnavailable(f"MetaApi's deals for {client_id} are not trade deals of a mapped symbol")
        lots = sum(d.lots for d in deals)
        price = sum(d.price * d.lots for d in deals) / lots
        return Execution(client_id, str(opening.get("positionId")), pair, deals[0].direction, deals[0].entry, price,
                         round(lots, 8), sum(wire.cost(r) for r in rows), max(d.at for d in deals))

    def _deal_rows(self, since: datetime, until: datetime) -> list[Mapping[str, Any]]:
        found: list[Mapping[str, Any]] = []
        while True:
            page = self._parse(lambda p: wire.rows(p, "deals"), self._http.get(
                f"/history-deals/time/{iso(since)}/{iso(until)}", params={"offset": len(found), "limit": self._page}))
            found += page
            if len(page) < self._page:
                return found

    def _position_deals(self, position_id: str) -> list[Mapping[str, Any]]:
        return self._parse(lambda p: wire.rows(p, "deals"),
                           self._http.get(f"/history-deals/position/{quote(position_id, safe='')}"))

    @staticmethod
    def _parse(read: Callable[[Any], T], payload: Any) -> T:
        try:
            return read(payload)
        except (wire.MalformedAnswer, ValueError, TypeError, AttributeError) as exc:
            raise BrokerUnavailable(f"MetaApi's answer is malformed: {exc}") from exc
