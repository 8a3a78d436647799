"""MetaApi's HTTP: the account's routes on the client API (or the market data API) with the
``auth-token`` header, every failure to get a 200 as ``BrokerUnavailable`` (a symbol MetaApi does
not know as ``LookupError``), the token never in a message."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from application.brokers.ports import BrokerUnavailable


def client_api_url(region: str) -> str:
    return f"https://mt-client-api-v1.{region}.agiliumtrade.ai"


def market_data_url(region: str) -> str:
    return f"https://mt-market-data-client-api-v1.{region}.agiliumtrade.ai"


class MetaApiHttp:
    def __init__(self, token: str, account_id: str, region: str, base_url: str = "", market_data_base_url: str = "",
                 timeout_s: float = 10.0) -> None:
        """``base_url`` overrides the region's client API host (and the market data host unless that
        is given too): a proxy, or a test server."""
        headers = {"auth-token": token, "User-Agent": "trading-ai"}
        self._api = httpx.Client(base_url=base_url or client_api_url(region), headers=headers, timeout=timeout_s)
        self._data = httpx.Client(base_url=market_data_base_url or base_url or market_data_url(region),
                                  headers=headers, timeout=timeout_s)
        self._account = f"/users/current/accounts/{quote(account_id, safe='')}"

    def close(self) -> None:
        self._api.close()
        self._data.close()

    def get(self, path: str, params: dict[str, Any] | None = None, market_data: bool = False) -> Any:
        return self.call("GET", path, params=params, client=self._data if market_data else None)

    def call(self, method: str, path: str, *, ordering: bool = False, client: httpx.Client | None = None,
             **options: Any) -> Any:
        try:
            response = (client or self._api).request(method, self._account + path, **options)
        except httpx.ConnectError as exc:
            raise BrokerUnavailable(f"MetaApi cannot be reached ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise BrokerUnavailable(f"MetaApi did not answer {method} {path} ({type(exc).__name__})",
                                    outcome_unknown=ordering) from exc
        if response.status_code == 200:
            try:
                return response.json()
            except ValueError as exc:
                raise BrokerUnavailable(f"MetaApi's answer to {method} {path} is not JSON",
                                        outcome_unknown=ordering) from exc
        raise _http_error(response, method, path, ordering)


def _http_error(response: httpx.Response, method: str, path: str, ordering: bool) -> Exception:
    try:
        body = response.json()
    except ValueError:
        body = {}
    kind = body.get("error", "") if isinstance(body, dict) else ""
    message = str(body.get("message", "")) if isinstance(body, dict) else ""
    status = response.status_code
    if status == 404 and "/symbols/" in path:
        return LookupError(f"MetaApi: {message or 'symbol not found'}")
    if status in (401, 403):
        return BrokerUnavailable(f"MetaApi refused the token (HTTP {status} {kind}): check METAAPI_TOKEN")
    if status == 404:
        return BrokerUnavailable(f"MetaApi: account not found or not deployed (HTTP 404 {kind}): {message}")
    unknown = ordering and status >= 500  # a 4xx refused the request itself; a 5xx may have come after it
    return BrokerUnavailable(f"MetaApi answered HTTP {status} {kind} to {method} {path}: {message}".rstrip(": "),
                             outcome_unknown=unknown)


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
