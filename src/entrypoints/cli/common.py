"""Helpers shared by the subcommands: settings loading with exit code 2 on bad settings, the time
option type, and the container the data and features commands build from their options."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from entrypoints.settings import LoadedSettings, Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from entrypoints.container import Container

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


def fail(message: str, code: int = EXIT_FAILURE) -> NoReturn:
    """The conventional end of a command that cannot go on: the reason on stderr, the exit code."""
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def settings_from_context(ctx: click.Context, overrides: dict[str, str] | None = None) -> LoadedSettings:
    """Load settings for a command; on invalid settings list every problem and exit 2."""
    config_path: Path | None = (ctx.find_root().obj or {}).get("config_path")
    environ = None
    if overrides:
        import os

        environ = {**os.environ, **overrides}
    try:
        return load_settings(config_path=config_path, environ=environ)
    except SettingsError as exc:
        fail_with_problems(exc)


def fail_with_problems(exc: SettingsError) -> NoReturn:
    click.echo("error: invalid settings, nothing was started:", err=True)
    for problem in exc.problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(EXIT_USAGE)


def pairs_option(pairs: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    """The --pairs list (comma-separated), or ``default`` when not given."""
    return tuple(p.strip() for p in pairs.split(",") if p.strip()) if pairs else default


def revalidated(loaded: LoadedSettings, updated: Settings) -> Settings:
    """Settings changed by command-line options, checked again: exit 2 listing every problem."""
    from entrypoints.settings.loader import revalidate

    try:
        revalidate(loaded, updated)
    except SettingsError as exc:
        fail_with_problems(exc)
    return updated


def scheduler_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """``--scheduler tcp://host:8786`` or ``--local N``: run the work on Dask (the dask extra)."""
    command = click.option("--local", "local_workers", type=click.IntRange(min=1),
                           help="Run on a local Dask cluster of N worker processes.")(command)
    return click.option("--scheduler", metavar="ADDRESS",
                        help="Run on the Dask scheduler at ADDRESS (tcp://host:8786).")(command)


def json_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")(command)


def echo_json(payload: Any) -> None:
    click.echo(json.dumps(payload, indent=2, default=str, sort_keys=False))


class UtcTime(click.ParamType[datetime]):
    """An ISO date or datetime; one without an offset is UTC, one with an offset is moved to UTC."""

    name = "time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            self.fail(f"{value!r} is not an ISO date or datetime (e.g. 2021-07-09 or 2021-07-09T12:00)", param, ctx)
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


UTC_TIME = UtcTime()


def data_dir_container(data_dir: Path, binance_base_url: str | None = None) -> Container:
    """The root container for the data and features commands. They take their folder (and Binance
    URL) from options, never from the settings file, so a broken store.url elsewhere does not stop
    them: the root is built from the embedded defaults plus those options."""
    import attrs

    from entrypoints.container import build_container
    from entrypoints.settings import Settings

    defaults = Settings()
    candles = attrs.evolve(defaults.candles, data_dir=str(data_dir),
                           binance_base_url=binance_base_url or defaults.candles.binance_base_url)
    return build_container(attrs.evolve(defaults, candles=candles))


def with_progress(label: str, count: str, work: Callable[[Callable[[int, int], None]], Any], show: bool) -> Any:
    """Run ``work(progress)`` under a progress bar on stderr (``progress(done, total)``), shown only
    when asked and stderr is a terminal; ``count`` labels the figures, e.g. "scans"."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    console = Console(stderr=True)
    with Progress(TextColumn(label), BarColumn(), TextColumn(f"{{task.completed:,}}/{{task.total:,}} {count}".rstrip()),
                  TimeRemainingColumn(), console=console, disable=not (show and console.is_terminal),
                  transient=True) as progress:
        task = progress.add_task(label, total=None)
        return work(lambda done, total: progress.update(task, completed=done, total=total))
