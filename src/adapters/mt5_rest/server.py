"""The bridge's HTTP side: the broker port's calls as JSON routes under /v1, each guarded by the
shared token (``X-Bridge-Token``, compared in constant time). A stdlib threading server in a
daemon thread, as the health endpoint; calls into the port are serialised because the MetaTrader5
package holds one terminal session for the whole process.

Answers: 200 with the value; 401 without the right token; 404 for an unknown route or a pair the
broker does not trade; 400 for a malformed request; 503 when the broker is unavailable (with
``outcome_unknown``). The token is never logged nor echoed.
"""

from __future__ import annotations

import hmac
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from adapters.common.json_reply import send_json
from adapters.mt5_rest.wire import PREFIX, TOKEN_HEADER, MalformedMessage, dump, load, parse_json, parse_time
from application.brokers.ports import BrokerGateway, BrokerUnavailable
from application.brokers.values import Execution, MarketOrder
from domain.execution.fills import Rejection
from domain.market.candles import Pair

MIN_TOKEN_LENGTH = 16
MAX_BODY = 64 * 1024

Route = Callable[[BrokerGateway, list[str], dict[str, str], Any], Any]


def _answer(result: Execution | Rejection | None) -> dict[str, Any]:
    if isinstance(result, Rejection):
        return {"rejection": result}
    return {"execution": result}


def _close(gateway: BrokerGateway, parts: list[str], query: dict[str, str], body: Any) -> Any:
    body = body or {}
    if not isinstance(body, dict):
        raise MalformedMessage("a close takes an object")
    expected, deviation = body.get("expected_price"), body.get("deviation_bps", 10.0)
    if not (expected is None or isinstance(expected, int | float)) or not isinstance(deviation, int | float):
        raise MalformedMessage("expected_price and deviation_bps must be numbers")
    return _answer(gateway.close(parts[1], expected, float(deviation)))


def _pair(text: str) -> Pair:
    try:
        return Pair.parse(text)
    except ValueError as exc:
        raise LookupError(str(exc)) from exc


def _window(query: dict[str, str]) -> tuple[Any, Any]:
    return parse_time(query.get("since"), "since"), parse_time(query.get("until"), "until")


# (method, route shape) -> handler; a {} segment is a path parameter
ROUTES: dict[tuple[str, str], Route] = {
    ("GET", "account"): lambda g, p, q, b: g.account(),
    ("GET", "symbols/{}"): lambda g, p, q, b: {"symbol": g.symbol(_pair(p[1]))},
    ("GET", "positions"): lambda g, p, q, b: {"positions": g.positions()},
    ("POST", "orders"): lambda g, p, q, b: _answer(g.place(load(b, MarketOrder))),
    ("GET", "orders/{}"): lambda g, p, q, b: _answer(g.find(p[1])),
    ("POST", "orders/{}/close"): _close,
    ("GET", "deals"): lambda g, p, q, b: {"deals": g.deals(*_window(q))},
    ("GET", "ticks/{}/latest"): lambda g, p, q, b: g.tick(_pair(p[1])),
    ("GET", "ticks/{}"): lambda g, p, q, b: {"ticks": g.ticks(_pair(p[1]), *_window(q))},
}


def _route(method: str, parts: list[str]) -> Route | None:
    for (verb, shape), handler in ROUTES.items():
        pattern = shape.split("/")
        if verb == method and len(pattern) == len(parts) and all(a in ("{}", b) for a, b in zip(pattern, parts,
                                                                                                strict=True)):
            return handler
    return None


def _handler(gateway: BrokerGateway, token: bytes, lock: threading.Lock) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            given = self.headers.get(TOKEN_HEADER, "").encode()
            if not hmac.compare_digest(given, token):
                self._send(401, {"error": "unauthorized", "message": f"missing or wrong {TOKEN_HEADER}"})
                return
            url = urlsplit(self.path)
            parts = [unquote(p) for p in url.path.removeprefix(PREFIX).strip("/").split("/")]
            route = _route(method, parts) if url.path.startswith(PREFIX + "/") else None
            if route is None:
                self._send(404, {"error": "not_found", "message": f"no route {method} {url.path}"})
                return
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            try:
                body = self._body() if method == "POST" else None
                with lock:
                    result = route(gateway, parts, query, body)
            except MalformedMessage as exc:
                self._send(400, {"error": "bad_request", "message": str(exc)})
            except LookupError as exc:  # a pair not traded or not a pair: the caller's to fix
                self._send(404, {"error": "not_found", "message": str(exc)})
            except BrokerUnavailable as exc:
                self._send(503, {"error": "unavailable", "message": str(exc),
                                 "outcome_unknown": exc.outcome_unknown})
            except Exception as exc:  # the bridge outlives a broken call, and says so; an order's fate is unknown
                self._send(500, {"error": "internal", "message": f"{type(exc).__name__} in the bridge",
                                 "outcome_unknown": method == "POST"})
            else:
                self._send(200, result)

        def _body(self) -> Any:
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                raise MalformedMessage(f"body over {MAX_BODY} bytes")
            return parse_json(self.rfile.read(length))

        def _send(self, status: int, body: Any) -> None:
            send_json(self, status, dump(body))

        def log_message(self, format: str, *args: Any) -> None:
            return None  # the request line carries client ids, never the token; the runtime logs the outcomes

    return Handler


class Mt5BridgeServer:
    def __init__(self, gateway: BrokerGateway, token: str, bind: str = "127.0.0.1", port: int = 8765) -> None:
        """OSError when the address cannot be bound; ValueError for a token too short to guard trading."""
        if len(token) < MIN_TOKEN_LENGTH:
            raise ValueError(f"the bridge token must be at least {MIN_TOKEN_LENGTH} characters")
        self._server = ThreadingHTTPServer((bind, port), _handler(gateway, token.encode(), threading.Lock()))
        self._server.daemon_threads = True
        # a short poll: stopping (Ctrl-C, SIGTERM) answers at once rather than in half a second
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        name="mt5-bridge", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> Mt5BridgeServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
