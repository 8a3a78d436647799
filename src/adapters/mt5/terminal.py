"""Loading the ``MetaTrader5`` package and logging the terminal in: the only place that imports it
(the import-linter contract "MetaTrader5 imported only by adapters.mt5.terminal")."""

from __future__ import annotations

import sys
from typing import Any

from application.brokers.ports import BrokerUnavailable


class TerminalMissing(RuntimeError):
    """The MetaTrader5 package cannot be imported here (not Windows, or the mt5 extra not installed)."""


def load_metatrader5() -> Any:
    try:
        import MetaTrader5
    except ImportError as exc:
        where = "" if sys.platform == "win32" else " (it exists for Windows only; on Linux use mt5-rest or metaapi)"
        raise TerminalMissing(f"the MetaTrader5 package is not installed{where}: "
                              "pip install 'trading-ai[mt5]' on the Windows machine beside the terminal") from exc
    return MetaTrader5


def connect(terminal: Any, login: str, password: str, server: str, path: str = "", timeout_ms: int = 60_000) -> None:
    """Start (or attach to) the terminal and log ``login`` in on ``server``. BrokerUnavailable names
    the terminal's own error, never the password."""
    if not login.isdigit():
        raise ValueError(f"MT5 login must be the account number, got {login!r}")
    started = terminal.initialize(path=path, timeout=timeout_ms) if path else terminal.initialize(timeout=timeout_ms)
    if not started:
        raise BrokerUnavailable(f"the MT5 terminal did not start: {terminal.last_error()}")
    if not terminal.login(int(login), password=password, server=server, timeout=timeout_ms):
        code, message = terminal.last_error()
        terminal.shutdown()
        raise BrokerUnavailable(f"MT5 login {login} on {server} failed: ({code}, {message})")
