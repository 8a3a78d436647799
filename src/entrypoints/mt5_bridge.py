"""`tradeai mt5-bridge serve`'s work: log the MT5 terminal in, put the ``mt5`` broker behind the
bridge's HTTP API (adapters.mt5_rest.server) and serve until ``stop`` is set. Kept apart from the
click command so that a test can hand it a fake terminal and a stop event."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from adapters.mt5.gateway import Mt5Gateway
from adapters.mt5.records import ServerClock
from adapters.mt5.terminal import connect
from adapters.mt5_rest.server import Mt5BridgeServer
from application.brokers.orders import LiveSetup
from application.brokers.serial import SerialGateway
from application.brokers.symbols import SymbolMap
from entrypoints.settings import Settings


class BridgeRefused(Exception):
    """The bridge cannot start: a setting is missing or the address is taken (exit 2)."""


def missing_settings(settings: Settings) -> list[str]:
    b = settings.broker
    needed = {"MT5_BRIDGE_TOKEN": b.mt5_bridge_token, "MT5_LOGIN": b.mt5_login, "MT5_PASSWORD": b.mt5_password,
              "MT5_SERVER": b.mt5_server}
    return [name for name, value in needed.items() if not value]


def serve_bridge(settings: Settings, terminal: Any, stop: threading.Event, say: Callable[[str], None],
                 bind: str | None = None, port: int | None = None) -> Mt5BridgeServer:
    """Serve until ``stop`` is set; returns the stopped server. BrokerUnavailable when the terminal
    cannot log in, BridgeRefused when a setting is missing or the address cannot be bound."""
    b = settings.broker
    if missing := missing_settings(settings):
        raise BridgeRefused(f"the bridge needs {', '.join(missing)}")
    token, password = b.mt5_bridge_token, b.mt5_password
    if token is None or password is None:  # checked just above; says so to the type checker
        raise BridgeRefused("the bridge needs MT5_BRIDGE_TOKEN and MT5_PASSWORD")
    connect(terminal, b.mt5_login, password.reveal(), b.mt5_server, b.mt5_terminal_path, int(b.timeout_seconds * 1000))
    try:
        # the server answers each request on its own thread; the terminal takes one call at a time
        gateway = SerialGateway(Mt5Gateway(terminal, setup=live_setup(settings),
                                           clock=ServerClock(ZoneInfo(settings.execution.mt5_time_zone))))
        address = bind or b.mt5_bridge_bind
        try:
            server = Mt5BridgeServer(gateway, token.reveal(), address,
                                     b.mt5_bridge_port if port is None else port).start()
        except OSError as exc:
            raise BridgeRefused(f"cannot listen on {address}:{port or b.mt5_bridge_port} "
                                f"(MT5_BRIDGE_BIND, MT5_BRIDGE_PORT): {exc.strerror}") from None
        host, bound = server.address
        say(f"MT5 bridge for login {b.mt5_login} on {b.mt5_server}: serving http://{host}:{bound}/v1 "
            "(every request needs the X-Bridge-Token header); Ctrl-C stops it")
        if not _loopback(host):
            say(f"warning: {host} is reachable from other machines and the bridge speaks plain HTTP: "
                "keep it on a private network or a VPN, never the open internet")
        stop.wait()
        server.stop()
        return server
    finally:
        terminal.shutdown()


def live_setup(settings: Settings) -> LiveSetup:
    """The live brokers' common settings (BROKER_SYMBOLS, BROKER_MAGIC) as the adapters take them."""
    return LiveSetup(SymbolMap(settings.broker.symbols), magic=settings.broker.magic)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
