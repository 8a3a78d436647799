"""`tradeai run`: the long-running runtime (replay in dry-run by default)."""

from __future__ import annotations

import signal as signals
import sys
import threading
from datetime import datetime
from pathlib import Path

import attrs
import click

from entrypoints.cli.common import (
    EXIT_FAILURE,
    EXIT_USAGE,
    UTC_TIME,
    echo_json,
    pairs_option,
    revalidated,
    settings_from_context,
)
from entrypoints.settings import LoadedSettings, Settings


def _apply_options(loaded: LoadedSettings, replay: tuple[Path, ...], pairs: str | None, speed: str | None,
                   source: str | None) -> Settings:
    settings = loaded.settings
    candles = settings.candles
    if replay:
        candles = attrs.evolve(candles, replay_paths=tuple(str(p) for p in replay))
    if source:
        candles = attrs.evolve(candles, source="binance" if source == "binance" else "replay")
    runtime = attrs.evolve(settings.runtime, speed=speed) if speed else settings.runtime
    updated = attrs.evolve(settings, candles=candles, runtime=runtime, pairs=pairs_option(pairs, settings.pairs))
    return revalidated(loaded, updated)


@click.command()
# a path typed on the command line that is not there is a typo, refused at once; only the settings'
# default falls back to the candle store (and Binance)
@click.option("--replay", "replay", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Candle CSV file or folder to replay (repeatable). Default: candles.replay_paths.")
@click.option("--pairs", help="Comma-separated pairs, e.g. BTCUSDT,ETHUSDT. Default: the pairs setting.")
@click.option("--start", type=UTC_TIME, help="Market time to start (ISO, UTC). Default: one day before --until.")
@click.option("--until", type=UTC_TIME,
              help="Market time to stop (ISO, UTC). Default: the last minute every pair covers.")
@click.option("--speed", help="Replay speed: 'max' or a factor of real time (60 = a minute per second).")
@click.option("--source", type=click.Choice(["replay", "binance"]), help="Candle source (overrides settings).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on stdout (messages go to stderr).")
@click.pass_context
def run(ctx: click.Context, replay: tuple[Path, ...], pairs: str | None, start: datetime | None, until: datetime | None,
        speed: str | None, source: str | None, as_json: bool) -> None:
    """Run the signal runtime: scan every pair each scan interval of market time, guard,
    record and announce the signals. Dry-run by default; Ctrl-C or SIGTERM stops it after the
    current scan."""
    from entrypoints.candle_bootstrap import RuntimeFailure
    from entrypoints.runtime_main import run_runtime

    loaded = settings_from_context(ctx)
    settings = _apply_options(loaded, replay, pairs, speed, source)
    if start and until and start > until:
        raise click.BadParameter("--start must not be after --until", param_hint="--start")
    try:
        summary = run_runtime(settings, start=start, until=until, json_output=as_json,
                              install_signal_handlers=_install_handlers)
    except RuntimeFailure as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(EXIT_USAGE if exc.usage else EXIT_FAILURE)
    if as_json:
        echo_json(summary)
    else:
        from entrypoints.runtime_console import describe_summary

        click.echo(describe_summary(summary))


def _install_handlers(stop: threading.Event) -> None:
    def handler(signum: int, _: object) -> None:
        stop.set()

    signals.signal(signals.SIGINT, handler)
    signals.signal(signals.SIGTERM, handler)
