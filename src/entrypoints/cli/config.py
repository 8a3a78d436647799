"""`tradeai config show|validate`."""

from __future__ import annotations

import click

from domain.security.redaction import MASK, mask_url
from entrypoints.cli.common import echo_json, settings_from_context
from entrypoints.settings.loader import display_value
from entrypoints.settings.sources import SECRET_KEYS, effective_values


@click.group()
def config() -> None:
    """Inspect the effective settings."""


@config.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@click.pass_context
def show(ctx: click.Context, as_json: bool) -> None:
    """Print every effective setting and where its value came from (secrets masked)."""
    loaded = settings_from_context(ctx)
    values = effective_values(loaded.settings)
    if as_json:
        echo_json({key: {"value": _json_value(key, value), "source": loaded.sources[key].source}
                   for key, value in sorted(values.items())})
        return
    width = max(len(key) for key in values)
    for key, value in sorted(values.items()):
        click.echo(f"{key:<{width}}  {display_value(key, value):<40}  {loaded.sources[key].source}")


def _json_value(key: str, value: object) -> object:
    if key in SECRET_KEYS:
        return None if value in (None, "") else MASK
    if isinstance(value, str):
        return mask_url(value)
    if isinstance(value, tuple):
        return list(value)
    return value


@config.command()
@click.pass_context
def validate(ctx: click.Context) -> None:
    """Check the settings; exit 2 with every problem listed by key when they are invalid."""
    settings_from_context(ctx)
    click.echo("settings are valid")
