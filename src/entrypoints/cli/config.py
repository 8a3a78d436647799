"""`tradeai config show|validate`."""

from __future__ import annotations

import click

from domain.security.redaction import MASK, mask_url
from entrypoints.cli.common import EXIT_USAGE, echo_json, fail, settings_from_context
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
@click.option("--offline", is_flag=True, help="Live mode: do not read the model registry nor ask the broker.")
@click.pass_context
def validate(ctx: click.Context, offline: bool) -> None:
    """Check the settings; exit 2 with every problem listed by key when they are invalid. In live
    mode, also what the runtime checks at boot (a promoted gated model, the broker answering), so
    every refusal of live mode is explained here before a start is tried."""
    settings = settings_from_context(ctx).settings
    if settings.mode == "live" and not offline:
        from entrypoints.candle_bootstrap import RuntimeFailure
        from entrypoints.container import build_container
        from entrypoints.live_gate import refuse_unready_live
        from entrypoints.runtime_main import secrets_of

        try:
            refuse_unready_live(build_container(settings), settings, secrets_of(settings))
        except RuntimeFailure as exc:
            fail(str(exc), EXIT_USAGE)
        click.echo("settings are valid; live mode can start (a promoted gated model, the broker answers)")
        return
    click.echo("settings are valid")
