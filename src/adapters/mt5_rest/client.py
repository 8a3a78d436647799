"""The ``mt5-rest`` adapter: the broker port over the bridge's HTTP API (server.py), for a runtime
on Linux while MT5 runs on a Windows machine. It sends the shared token in a header and never
logs it; any failure to get an answer is ``BrokerUnavailable``, with ``outcome_unknown`` when an
order may have reached the bridge."""

from __future__ import annotations

from datetime import datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from adapters.mt5_rest.wire import PREFIX, TOKEN_HEADER, MalformedMessage, load, plain
from application.brokers.ports import BrokerGateway, BrokerUnavailable
from application.brokers.values import AccountInfo, BrokerPosition, Deal, Execution, MarketOrder, SymbolSpec, Tick
from domain.execution.fills import Rejection
from domain.market.candles import Pair


class Mt5RestGateway(BrokerGateway):
    def __init__(self, base_url: str, token: str, timeout_s: float = 10.0, http: httpx.Client | None = None) -> None:
        self._http = http or httpx.Client(base_url=base_url.rstrip("/") + PREFIX, timeout=timeout_s)
        self._headers = {TOKEN_HEADER: token, "User-Agent": "trading-ai"}

    @property
    def name(self) -> str:
        return "mt5-rest"

    def close_client(self) -> None:
        self._http.close()

    def account(self) -> AccountInfo:
        return _load(self._call("GET", "/account"), AccountInfo)

    def symbol(self, pair: Pair) -> SymbolSpec | None:
        found = self._call("GET", f"/symbols/{pair.symbol}").get("symbol")
        return None if found is None else _load(found, SymbolSpec)

    def positions(self) -> tuple[BrokerPosition, ...]:
        return _load_all(self._call("GET", "/positions").get("positions"), BrokerPosition)

    def place(self, order: MarketOrder) -> Execution | Rejection:
        return _decided(_answer(self._call("POST", "/orders", json=plain(order))))

    def close(self, client_id: str, expected_price: float | None = None,
              deviation_bps: float = 10.0) -> Execution | Rejection:
        body = {"expected_price": expected_price, "deviation_bps": deviation_bps}
        return _decided(_answer(self._call("POST", f"/orders/{_quoted(client_id)}/close", json=body)))

    def find(self, client_id: str) -> Execution | None:
        found = _answer(self._call("GET", f"/orders/{_quoted(client_id)}"))
        return None if isinstance(found, Rejection) else found

    def deals(self, since: datetime, until: datetime) -> tuple[Deal, ...]:
        answer = self._call("GET", "/deals", params=_window(since, until))
        return _load_all(answer.get("deals"), Deal)

    def tick(self, pair: Pair) -> Tick:
        return _load(self._call("GET", f"/ticks/{pair.symbol}/latest"), Tick)

    def ticks(self, pair: Pair, since: datetime, until: datetime) -> tuple[Tick, ...]:
        answer = self._call("GET", f"/ticks/{pair.symbol}", params=_window(since, until))
        return _load_all(answer.get("ticks"), Tick)

    def _call(self, method: str, path: str, **options: Any) -> Any:
        ordering = method == "POST"
        try:
            response = self._http.request(method, path, headers=self._headers, **options)
        except httpx.ConnectError as exc:  # nothing was sent
            raise BrokerUnavailable(f"the MT5 bridge cannot be reached ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise BrokerUnavailable(f"the MT5 bridge did not answer {method} {path} ({type(exc).__name__})",
                                    outcome_unknown=ordering) from exc
        try:
            payload = response.json()
        except ValueError:
            payload = None
        error = payload if isinstance(payload, dict) and "error" in payload and response.status_code >= 400 else None
        if response.status_code == 401:
            raise BrokerUnavailable("the MT5 bridge refused the token (HTTP 401): set the same MT5_BRIDGE_TOKEN "
                                    "on both machines")
        if response.status_code == 404 and error is not None and error.get("error") == "not_found":
            raise LookupError(f"MT5 bridge: {error.get('message', 'not found')}")
        if response.status_code != 200 or not isinstance(payload, dict):
            message = error.get("message", "") if error else ""
            unknown = bool(error.get("outcome_unknown", ordering)) if error else ordering
            raise BrokerUnavailable(f"the MT5 bridge answered HTTP {response.status_code} to {method} {path}"
                                    + (f": {message}" if message else ""), outcome_unknown=unknown)
        return payload


T = TypeVar("T")


def _decided(answer: Execution | Rejection | None) -> Execution | Rejection:
    if answer is None:
        raise BrokerUnavailable("the MT5 bridge answered an order with neither a fill nor a refusal",
                                outcome_unknown=True)
    return answer


def _answer(payload: dict[str, Any]) -> Execution | Rejection | None:
    try:
        if payload.get("rejection") is not None:
            rejection: Rejection = load(payload["rejection"], Rejection)
            return rejection
        found = payload.get("execution")
        return None if found is None else _typed(load(found, Execution), Execution)
    except MalformedMessage as exc:
        raise BrokerUnavailable(f"the MT5 bridge's answer is malformed: {exc}", outcome_unknown=True) from exc


def _load(payload: Any, kind: type[T]) -> T:
    try:
        return _typed(load(payload, kind), kind)
    except MalformedMessage as exc:
        raise BrokerUnavailable(f"the MT5 bridge's answer is malformed: {exc}") from exc


def _load_all(payload: Any, kind: type[T]) -> tuple[T, ...]:
    try:
        found = load(payload, tuple[kind, ...])  # type: ignore[valid-type]
    except MalformedMessage as exc:
        raise BrokerUnavailable(f"the MT5 bridge's answer is malformed: {exc}") from exc
    return tuple(_typed(item, kind) for item in found)


def _typed(value: Any, kind: type[T]) -> T:
    if not isinstance(value, kind):
        raise BrokerUnavailable(f"the MT5 bridge's answer is not a {kind.__name__}")
    return value


def _quoted(client_id: str) -> str:
    return quote(client_id, safe="")


def _window(since: datetime, until: datetime) -> dict[str, str]:
    return {"since": since.isoformat(), "until": until.isoformat()}
