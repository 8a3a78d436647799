"""The MT5 REST bridge served in-process in front of a fake terminal: what `tradeai mt5-bridge
serve` runs on the Windows machine, for tests of the Linux side (the ``mt5-rest`` broker)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from adapters.mt5.gateway import Mt5Gateway
from adapters.mt5_rest.server import Mt5BridgeServer
from tests.fakes.metatrader5 import FakeMetaTrader5


@contextmanager
def running_bridge(terminal: FakeMetaTrader5, token: str, now: datetime) -> Iterator[str]:
    """The bridge's URL while it serves ``terminal`` on a free local port."""
    server = Mt5BridgeServer(Mt5Gateway(terminal, now=lambda: now), token, port=0).start()
    host, port = server.address
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
