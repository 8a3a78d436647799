"""Helpers shared by the subcommands: settings loading with exit code 2 on bad settings."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from entrypoints.settings import LoadedSettings, SettingsError, load_settings

EXIT_OK, EXIT_FAILURE, EXIT_USAGE = 0, 1, 2


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


def echo_json(payload: Any) -> None:
    click.echo(json.dumps(payload, indent=2, default=str, sort_keys=False))
