"""`GET /healthz`: 200 with the report's JSON while healthy, 503 with it when not; anything else
404. Served from a daemon thread so a slow client never holds up the scan loop; a failing report
is answered 503, never a crash."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from adapters.common.json_reply import send_json
from application.runtime.health import HealthReport

PATH = "/healthz"


def _handler(report: Callable[[], HealthReport]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path.split("?", 1)[0] != PATH:
                self._send(404, {"error": f"not found: only GET {PATH}"})
                return
            try:
                current = report()
            except Exception as exc:  # the endpoint outlives a broken check, and says so
                self._send(503, {"status": "unhealthy", "problems": [f"health check failed: {type(exc).__name__}"]})
                return
            self._send(200 if current.healthy else 503, current.body)

        def _send(self, status: int, body: dict[str, Any]) -> None:
            send_json(self, status, json.dumps(body).encode())

        def log_message(self, format: str, *args: Any) -> None:
            return None  # probes every few seconds would flood the log

    return Handler


class HealthServer:
    def __init__(self, bind: str, port: int, report: Callable[[], HealthReport]) -> None:
        """OSError when the address cannot be bound (the port is taken, say)."""
        self._server = ThreadingHTTPServer((bind, port), _handler(report))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="healthz", daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
