"""`tradeai mt5-bridge serve`: run on the Windows machine beside the MT5 terminal, so that a
runtime on Linux can trade through it (BROKER=mt5-rest). See docs/mt5-bridge.md."""

from __future__ import annotations

import signal
import threading
from types import FrameType

import click

from entrypoints.cli.common import EXIT_USAGE, fail, settings_from_context


@click.group("mt5-bridge")
def mt5_bridge() -> None:
    """The MT5 REST bridge (Windows, beside the terminal)."""


@mt5_bridge.command("serve")
@click.option("--bind", default=None, help="Address to listen on (default MT5_BRIDGE_BIND, 127.0.0.1).")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="TCP port (default MT5_BRIDGE_PORT, 8765).")
@click.pass_context
def serve(ctx: click.Context, bind: str | None, port: int | None) -> None:
    """Log in to MT5 (MT5_LOGIN, MT5_PASSWORD, MT5_SERVER) and serve the broker over HTTP with the
    shared MT5_BRIDGE_TOKEN until Ctrl-C or SIGTERM."""
    from adapters.mt5.terminal import TerminalMissing, load_metatrader5
    from application.brokers.ports import BrokerUnavailable
    from entrypoints.mt5_bridge import BridgeRefused, missing_settings, serve_bridge

    settings = settings_from_context(ctx).settings
    if missing := missing_settings(settings):
        fail(f"the bridge needs {', '.join(missing)} (see .env.example)", EXIT_USAGE)
    try:
        terminal = load_metatrader5()
    except TerminalMissing as exc:
        fail(str(exc), EXIT_USAGE)
    stop = threading.Event()

    def stopping(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, stopping)
    signal.signal(signal.SIGTERM, stopping)
    try:
        serve_bridge(settings, terminal, stop, lambda line: click.echo(line, err=True), bind, port)
    except BridgeRefused as exc:
        fail(str(exc), EXIT_USAGE)
    except BrokerUnavailable as exc:
        fail(str(exc))
