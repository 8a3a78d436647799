"""A local stand-in for Binance's REST klines endpoint, speaking its wire format over real HTTP.

``GET /api/v3/klines?symbol=&interval=1m&startTime=&endTime=&limit=`` answers arrays of 12 fields
(prices and volumes as strings), like Binance: with startTime, the first ``limit`` klines from it;
with only endTime, the last ``limit`` klines up to it. Every answer carries X-MBX-USED-WEIGHT-1m.
Tests script faults with :meth:`KlineServer.script` (one per request, in order) or make every
request from the n-th on fail with ``fail_from``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np

from domain.market.quality import Ohlcv

Rows = list[list[Any]]


@dataclass(frozen=True)
class Fault:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None  # JSON body instead of the klines
    delay_s: float = 0.0  # sleep before answering (longer than the client's timeout = a timeout)
    rewrite: Callable[[Rows], Rows] | None = None  # change the klines before sending


def kline_rows(candles: Ohlcv) -> Rows:
    return [
        [t, f"{o:.8f}", f"{h:.8f}", f"{lo:.8f}", f"{c:.8f}", f"{v:.8f}", t + 59_999, f"{v * c:.8f}", 100,
         f"{v / 2:.8f}", f"{v * c / 2:.8f}", "0"]
        for t, o, h, lo, c, v in zip(candles.open_time_ms.tolist(), candles.open.tolist(), candles.high.tolist(),
                                     candles.low.tolist(), candles.close.tolist(), candles.volume.tolist(),
                                     strict=True)
    ]


class KlineServer:
    def __init__(self, candles: Ohlcv, weight_per_request: int = 2) -> None:
        self.candles = candles
        self.rows = kline_rows(candles)
        self.requests: list[dict[str, int | str]] = []
        self.faults: deque[Fault] = deque()
        self.fail_from: int | None = None
        self.failure = Fault(status=500)
        self.used_weight = 0
        self.weight_per_request = weight_per_request
        self._lock = threading.Lock()

    def script(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def answer(self, query: dict[str, str]) -> tuple[Fault | None, Rows]:
        with self._lock:
            self.requests.append({k: (int(v) if v.lstrip("-").isdigit() else v) for k, v in query.items()})
            self.used_weight += self.weight_per_request
            fault = self.faults.popleft() if self.faults else None
            if fault is None and self.fail_from is not None and len(self.requests) > self.fail_from:
                fault = self.failure
        return fault, self._select(query)

    def _select(self, query: dict[str, str]) -> Rows:
        t = self.candles.open_time_ms
        limit = min(int(query.get("limit", 500)), 1000)
        hi = int(np.searchsorted(t, int(query["endTime"]), side="right")) if "endTime" in query else len(t)
        if "startTime" in query:
            lo = int(np.searchsorted(t, int(query["startTime"])))
            return self.rows[lo:min(hi, lo + limit)]
        return self.rows[max(0, hi - limit):hi]


def _handler(server: KlineServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlparse(self.path)
            if url.path != "/api/v3/klines":
                return self._send(404, {"code": -1, "msg": "not found"}, {})
            query = {k: v[-1] for k, v in parse_qs(url.query).items()}
            fault, rows = server.answer(query)
            if fault is None:
                return self._send(200, rows, {})
            if fault.delay_s:
                time.sleep(fault.delay_s)
            if fault.rewrite is not None:
                rows = fault.rewrite(rows)
            body = rows if fault.body is None and fault.status == 200 else fault.body
            self._send(fault.status, body if body is not None else {"code": -1000, "msg": "error"}, fault.headers)

        def _send(self, status: int, body: Any, headers: dict[str, str]) -> None:
            payload = body if isinstance(body, bytes) else json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.send_header("X-MBX-USED-WEIGHT-1m", str(server.used_weight))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve(server: KlineServer) -> Iterator[str]:
    """Run the server on 127.0.0.1 with an ephemeral port; yields its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(server))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
