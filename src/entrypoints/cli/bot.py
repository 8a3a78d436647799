"""`tradeai bot`: the trader's Telegram bot on its own, against the configured store, until Ctrl-C
or SIGTERM (``BOT_ENABLED=true`` runs the same bot inside `tradeai run` instead).

Exit codes: 0 stopped, 1 Telegram refused the bot (or could not be reached) or the store cannot
be opened, 2 the token, the chat or the allow-list is missing."""

from __future__ import annotations

import signal as signals
import sys
import threading

import click

from entrypoints.cli.common import EXIT_FAILURE, EXIT_USAGE, settings_from_context


@click.command()
@click.pass_context
def bot(ctx: click.Context) -> None:
    """Answer the allowed users' commands in the configured chat: /check, /stats, /ftmo_status,
    /threshold, /kill_switch, /retrain, /help."""
    import structlog

    from entrypoints.bot_boot import run_bot
    from entrypoints.candle_bootstrap import RuntimeFailure
    from entrypoints.container import build_container
    from entrypoints.logging_setup import configure_logging
    from entrypoints.runtime_main import secrets_of

    settings = settings_from_context(ctx).settings
    configure_logging(level=settings.log.level, fmt=settings.log.format, mode=settings.mode,
                      secrets=secrets_of(settings), stream=sys.stderr)
    stop = threading.Event()
    for signum in (signals.SIGINT, signals.SIGTERM):
        signals.signal(signum, lambda *_: stop.set())
    try:
        run_bot(build_container(settings), settings, stop, structlog.get_logger("bot"))
    except RuntimeFailure as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE if exc.usage else EXIT_FAILURE)
