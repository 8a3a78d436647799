"""A local server that speaks MetaApi's REST wire format (the routes adapters.metaapi calls, with
MetaApi's field names, ISO times, TRADE_RETCODE_* string codes and its Error bodies), in front of
a FakeMetaTrader5 that plays the account: MetaApi is a MetaTrader terminal behind HTTP, so the
same simulated terminal and its faults serve all three live adapters.

Its choices where MetaApi's docs are silent: a terminal that does not answer gives HTTP 504 with
``{"error": "TimeoutError"}`` to reads, and ``TRADE_RETCODE_DISCONNECTED_BEFORE_TRADE`` (-10) to a
trade. ``requests`` records (method, path, query, body, headers) of every call for wire assertions;
``failures`` answers the next calls with those (status, body); ``trade_delay_s`` answers trades
late (the trade is done first, as a server whose answer is lost on the way).
"""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.fakes.metatrader5 import FakeMetaTrader5
from tests.fakes.metatrader5_records import CONSTANTS

_RETCODE_NAMES = {v: k for k, v in CONSTANTS.items() if k.startswith("TRADE_RETCODE_")} | {
    -10: "TRADE_RETCODE_DISCONNECTED_BEFORE_TRADE", -11: "TRADE_RETCODE_DISCONNECTED_DURING_TRADE"}


class FakeMetaApi:
    def __init__(self, terminal: FakeMetaTrader5, token: str, account_id: str) -> None:
        self.terminal, self.token, self.account_id = terminal, token, account_id
        self.requests: list[tuple[str, str, dict[str, str], Any, dict[str, str]]] = []
        self.failures: list[tuple[int, dict[str, Any]]] = []
        self.trade_delay_s = 0.0
        handler = type("Handler", (_Handler,), {"api": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeMetaApi:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- routes: (status, body)

    def route(self, method: str, parts: list[str], query: dict[str, str], body: Any) -> tuple[int, Any]:
        t = self.terminal
        match method, parts:
            case "GET", ["account-information"]:
                return self._read(t.account_info(), _account)
            case "GET", ["positions"]:
                return self._read(t.positions_get(), lambda rows: [self._position(r) for r in rows])
            case "GET", ["symbols", symbol, "specification"]:
                return self._read(t.symbol_info(symbol), _spec, missing=symbol)
            case "GET", ["symbols", symbol, "current-tick"]:
                return self._read(t.symbol_info_tick(symbol), lambda k: self._tick(symbol, k.time_msc, k.bid, k.ask),
                                  missing=symbol)
            case "GET", ["history-deals", "time", start, end]:
                rows = t.history_deals_get(_server_seconds(t, start), _server_seconds(t, end))
                return self._read(rows, lambda rs: self._page([self._deal(r) for r in rs], query))
            case "GET", ["history-deals", "position", position]:
                return self._read(t.history_deals_get(position=int(position)), lambda rs: [self._deal(r) for r in rs])
            case "GET", ["historical-market-data", "symbols", symbol, "ticks"]:
                start = _server_seconds(t, query["startTime"]) * 1000
                log = [self._tick(symbol, ms, b, a) for ms, b, a in t.tick_log.get(symbol, []) if ms >= start]
                return 200, self._page(log, query)
            case "POST", ["trade"]:
                return 200, self._trade(body)
        return 404, _error("NotFoundError", f"no route {method} {'/'.join(parts)}")

    def _trade(self, trade: dict[str, Any]) -> dict[str, Any]:
        t, action = self.terminal, trade["actionType"]
        request: dict[str, Any] = {"action": t.TRADE_ACTION_DEAL, "magic": trade.get("magic", 0),
                                   "comment": trade.get("clientId", ""), "deviation": trade.get("slippage", 0),
                                   "type_filling": t.ORDER_FILLING_FOK if trade.get("fillingModes") == [
                                       "ORDER_FILLING_FOK"] else t.ORDER_FILLING_IOC}
        if action == "POSITION_CLOSE_ID":
            held = (t.positions_get(ticket=int(trade["positionId"])) or [None])[0]
            if held is None:
                return _trade_answer(t.TRADE_RETCODE_POSITION_CLOSED, None)
            buying = held.type == t.POSITION_TYPE_SELL
            request |= {"symbol": held.symbol, "volume": held.volume, "position": held.ticket}
        else:
            buying = action == "ORDER_TYPE_BUY"
            request |= {"symbol": trade["symbol"], "volume": trade["volume"], "sl": trade.get("stopLoss", 0.0),
                        "tp": trade.get("takeProfit", 0.0)}
        bid, ask = t.quotes.get(request["symbol"], (0.0, 0.0))
        request |= {"type": t.ORDER_TYPE_BUY if buying else t.ORDER_TYPE_SELL, "price": ask if buying else bid}
        result = t.order_send(request)
        if result is None:
            return {"numericCode": -10, "stringCode": "TRADE_RETCODE_DISCONNECTED_BEFORE_TRADE",
                    "message": "Could not submit the trade request: terminal disconnected"}
        position = request.get("position") or (t.deals[-1].position_id if result.retcode == 10009 else None)
        return _trade_answer(result.retcode, position, result.order)

    # --- MetaApi's models

    def _position(self, p: Any) -> dict[str, Any]:
        return {"id": str(p.ticket), "type": "POSITION_TYPE_BUY" if p.type == 0 else "POSITION_TYPE_SELL",
                "symbol": p.symbol, "magic": p.magic, "time": self._iso(p.time_msc), "updateTime": self._iso(
                    p.time_update_msc), "brokerTime": self._broker(p.time_msc), "openPrice": p.price_open,
                "currentPrice": p.price_current, "currentTickValue": 1, "stopLoss": p.sl, "takeProfit": p.tp,
                "volume": p.volume, "swap": p.swap, "profit": p.profit, "commission": 0, "clientId": p.comment,
                "comment": "", "realizedProfit": 0, "unrealizedProfit": p.profit}

    def _deal(self, d: Any) -> dict[str, Any]:
        entries = {0: "DEAL_ENTRY_IN", 1: "DEAL_ENTRY_OUT", 2: "DEAL_ENTRY_INOUT", 3: "DEAL_ENTRY_OUT_BY"}
        reasons = {0: "DEAL_REASON_CLIENT", 3: "DEAL_REASON_EXPERT", 4: "DEAL_REASON_SL", 5: "DEAL_REASON_TP"}
        return {"id": str(d.ticket), "type": "DEAL_TYPE_BUY" if d.type == 0 else "DEAL_TYPE_SELL",
                "entryType": entries[d.entry], "symbol": d.symbol, "magic": d.magic, "time": self._iso(d.time_msc),
                "brokerTime": self._broker(d.time_msc), "volume": d.volume, "price": d.price,
                "commission": d.commission, "swap": d.swap, "profit": d.profit, "positionId": str(d.position_id),
                "orderId": str(d.order), "clientId": d.comment, "comment": "", "platform": "mt5",
                "reason": reasons.get(d.reason, "DEAL_REASON_CLIENT")}

    def _tick(self, symbol: str, ms: int, bid: float, ask: float) -> dict[str, Any]:
        return {"symbol": symbol, "time": self._iso(ms), "brokerTime": self._broker(ms), "bid": bid, "ask": ask}

    def _iso(self, server_ms: int) -> str:
        moment = datetime.fromtimestamp(server_ms / 1000, UTC) - self.terminal.server_offset
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def _broker(self, server_ms: int) -> str:
        return datetime.fromtimestamp(server_ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]

    def _read(self, value: Any, render: Any, missing: str = "") -> tuple[int, Any]:
        if value is None and not self.terminal.connected:
            return 504, _error("TimeoutError", "the terminal did not answer in time")
        if value is None:
            return 404, _error("NotFoundError", f"Specified symbol {missing} not found")
        return 200, render(value)

    @staticmethod
    def _page(rows: list[Any], query: dict[str, str]) -> list[Any]:
        offset, limit = int(query.get("offset", 0)), int(query.get("limit", 1000))
        return rows[offset:offset + limit]


def _server_seconds(terminal: FakeMetaTrader5, iso: str) -> int:
    return int((datetime.fromisoformat(iso) + terminal.server_offset).timestamp())


def _trade_answer(retcode: int, position: int | None, order: int = 0) -> dict[str, Any]:
    name = _RETCODE_NAMES.get(retcode, "TRADE_RETCODE_ERROR")
    answer: dict[str, Any] = {"numericCode": retcode, "stringCode": name, "message": name.title()}
    if retcode == 10009:
        answer |= {"orderId": str(order), "positionId": str(position)}
    return answer


def _account(a: Any) -> dict[str, Any]:
    return {"platform": "mt5", "broker": a.company, "currency": a.currency, "server": a.server, "balance": a.balance,
            "equity": a.equity, "margin": a.margin, "freeMargin": a.margin_free, "leverage": a.leverage,
            "marginLevel": a.margin_level, "tradeAllowed": True, "marginMode": "ACCOUNT_MARGIN_MODE_RETAIL_HEDGING",
            "name": a.name, "login": a.login, "credit": 0, "type": "ACCOUNT_TRADE_MODE_DEMO"}


def _spec(s: Any) -> dict[str, Any]:
    return {"symbol": s.name, "tickSize": s.trade_tick_size, "minVolume": s.volume_min, "maxVolume": s.volume_max,
            "volumeStep": s.volume_step, "contractSize": s.trade_contract_size, "digits": s.digits,
            "fillingModes": ["ORDER_FILLING_FOK", "ORDER_FILLING_IOC"], "executionMode": "SYMBOL_TRADE_EXECUTION_MARKET"}


def _error(kind: str, message: str) -> dict[str, Any]:
    return {"id": 1, "error": kind, "message": message}


class _Handler(BaseHTTPRequestHandler):
    api: FakeMetaApi
    prefixes = ("/users/current/accounts/",)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(url.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(length)) if length else None
        parts = [unquote(p) for p in url.path.split("/") if p]
        self.api.requests.append((method, url.path, query, body, dict(self.headers)))
        if self.api.failures:
            status, answer = self.api.failures.pop(0)
        elif self.headers.get("auth-token") != self.api.token:
            status, answer = 401, _error("UnauthorizedError", "Authorization failed: invalid auth-token")
        elif parts[:3] != ["users", "current", "accounts"] or len(parts) < 5 or parts[3] != self.api.account_id:
            status, answer = 404, _error("NotFoundError", "MetaTrader account not found")
        else:
            status, answer = self.api.route(method, parts[4:], query, body)
        payload = json.dumps(answer).encode()
        if method == "POST":
            time.sleep(self.api.trade_delay_s)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return None
