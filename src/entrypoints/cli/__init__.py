"""The ``tradeai`` command line. Subcommand modules are imported only when used, so
``tradeai --help`` does not pay for torch or pandas."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any, ClassVar

import click

# name -> "module:attribute" of a click command or group
SUBCOMMANDS: dict[str, str] = {
    "run": "entrypoints.cli.run:run",
    "backtest": "entrypoints.cli.backtest:backtest",
    "report": "entrypoints.cli.report:report",
    "challenge": "entrypoints.cli.challenge:challenge",
    "config": "entrypoints.cli.config:config",
    "data": "entrypoints.cli.data:data",
    "features": "entrypoints.cli.features:features",
    "risk": "entrypoints.cli.risk:risk",
    "db": "entrypoints.cli.db:db",
    "export": "entrypoints.cli.export:export",
    "guard": "entrypoints.cli.guard:guard",
    "exec": "entrypoints.cli.execution:execution",
    "model": "entrypoints.cli.model:model",
    "train": "entrypoints.cli.train:train",
    "retrain": "entrypoints.cli.retrain:retrain",
    "mt5-bridge": "entrypoints.cli.mt5_bridge:mt5_bridge",
    "bot": "entrypoints.cli.bot:bot",
    "microlot": "entrypoints.cli.microlot:microlot",
    "research": "entrypoints.cli.research:research",
    "sweep": "entrypoints.cli.sweep:sweep",
}


class LazyGroup(click.Group):
    """A group whose subcommands (name -> "module:attribute") are imported when first used."""

    lazy: ClassVar[dict[str, str]] = SUBCOMMANDS

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(self.lazy)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = self.lazy.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attribute)
        return command


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    envvar="TRADEAI_CONFIG",
    help="TOML settings file (overridden by .env and environment variables).",
)
@click.version_option(package_name="trading-ai")
@click.pass_context
def cli(ctx: click.Context, config_path: Path | None) -> None:
    """Trading AI: calibrated crypto signals guarded by FTMO-style prop-firm rules."""
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path


def main(argv: list[str] | None = None) -> Any:
    return cli.main(args=argv, prog_name="tradeai")
