"""A local stand-in for the Telegram Bot API, speaking its wire format over real HTTP.

Runs ``http.server`` on 127.0.0.1 with an ephemeral port, in a thread. Requests are
``POST /bot<token>/<method>`` with form-encoded (or JSON) parameters; replies are the Bot API's
envelopes: ``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": ..., "description": ...}``.
A wrong token gets 401 as the real API does. Tests script failures per method with :meth:`script`.
Incoming updates (``getUpdates``) are pushed by tests through ``api.updates`` (bot_api_updates);
button answers and edited messages are kept in ``answers`` and ``edits``.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from tests.integration.telegram.bot_api_updates import UpdateQueue

# the token and chat every Telegram test talks with (the shared `api` fixture serves this token)
TOKEN = "7000001:AAH_sEcReT-token_value_0123456789abcdef"
CHAT_ID = -1001234567890

BOT_USER = {"id": 7000001, "is_bot": True, "first_name": "Trading AI", "username": "tradeai_test_bot"}


@dataclass(frozen=True)
class Reply:
    status: int
    body: dict[str, Any] | bytes
    content_type: str = "application/json"
    delay_s: float = 0.0  # the server answers this late: past the client's timeout, a read timeout


def error(code: int, description: str, **parameters: Any) -> Reply:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return Reply(code, body)


UNAUTHORIZED = error(401, "Unauthorized")
CHAT_NOT_FOUND = error(400, "Bad Request: chat not found")
BAD_GATEWAY = Reply(502, b"<html><head><title>502 Bad Gateway</title></head></html>", "text/html")


def too_many_requests(retry_after: int = 1) -> Reply:
    return error(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


@dataclass(frozen=True)
class Call:
    token: str
    method: str
    params: dict[str, str]


@dataclass
class FakeBotApi:
    token: str = field(repr=False)
    port: int = 0
    calls: list[Call] = field(default_factory=list)
    delivered: list[dict[str, Any]] = field(default_factory=list)
    _scripts: dict[str, deque[Reply]] = field(default_factory=lambda: defaultdict(deque))
    # the incoming side (getUpdates), and what the bot did with buttons
    updates: UpdateQueue = field(default_factory=UpdateQueue)
    answers: list[dict[str, str]] = field(default_factory=list)
    edits: list[dict[str, str]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    def script(self, method: str, *replies: Reply) -> None:
        """The next calls of ``method`` (with the right token) get these replies, in order."""
        with self._lock:
            self._scripts[method].extend(replies)

    def calls_of(self, method: str) -> list[Call]:
        with self._lock:
            return [call for call in self.calls if call.method == method]

    def texts(self) -> list[str]:
        with self._lock:
            return [message["text"] for message in self.delivered]

    def handle(self, path: str, params: dict[str, str]) -> Reply:
        token, _, method = path.removeprefix("/bot").partition("/")
        with self._lock:
            self.calls.append(Call(token, method, params))
            if token != self.token:
                return UNAUTHORIZED
            scripted = self._scripts[method]
            if scripted:
                return scripted.popleft()
            if method == "getMe":
                return Reply(200, {"ok": True, "result": BOT_USER})
            if method == "sendMessage":
                return Reply(200, {"ok": True, "result": self._deliver(params)})
            if method in _ANSWERED:
                return Reply(200, {"ok": True, "result": self._answer(method, params)})
            if method != "getUpdates":
                return error(404, "Not Found")
        # outside the lock: a long poll must not hold up the bot's other calls
        return Reply(200, {"ok": True, "result": self.updates.take(params)})

    def _answer(self, method: str, params: dict[str, str]) -> Any:
        if method == "answerCallbackQuery":
            self.answers.append(params)
        if method != "editMessageText":
            return True
        self.edits.append(params)
        message = next(m for m in self.delivered if m["message_id"] == int(params["message_id"]))
        message.pop("reply_markup", None)
        message["text"] = params["text"]
        if "reply_markup" in params:
            message["reply_markup"] = json.loads(params["reply_markup"])
        return message

    def _deliver(self, params: dict[str, str]) -> dict[str, Any]:
        raw_chat = params["chat_id"]
        chat_id: int | str = int(raw_chat) if raw_chat.lstrip("-").isdigit() else raw_chat
        message = {
            "message_id": len(self.delivered) + 1,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "supergroup" if str(chat_id).startswith("-") else "private"},
            "from": BOT_USER,
            "text": params["text"],
        }
        if "reply_markup" in params:  # sent JSON-encoded, as every non-string parameter
            message["reply_markup"] = json.loads(params["reply_markup"])
        self.delivered.append(message)
        return message


_ANSWERED = ("answerCallbackQuery", "editMessageText", "deleteWebhook", "setMyCommands")


def _handler(api: FakeBotApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.headers.get_content_type() == "application/json":
                params = {
                    key: value if isinstance(value, str) else json.dumps(value)
                    for key, value in json.loads(raw or b"{}").items()
                }
            else:
                params = {key: values[-1] for key, values in parse_qs(raw.decode(), keep_blank_values=True).items()}
            reply = api.handle(self.path, params)
            time.sleep(reply.delay_s)
            body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # a long poll the client gave up on
                pass

        do_GET = do_POST

        def log_message(self, format: str, *args: Any) -> None:  # the path holds the token
            pass

    return Handler


@contextmanager
def running_bot_api(token: str) -> Iterator[FakeBotApi]:
    api = FakeBotApi(token)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    server.daemon_threads = True
    api.port = server.server_address[1]
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, name="fake-bot-api", daemon=True
    )
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
