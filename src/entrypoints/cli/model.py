"""`tradeai model`: the registry of trained models (MODEL_DIR/registry.json), promotion through
every gate, rollback to an earlier version; `model monitor` (the retraining triggers) is attached
from its own module.

Exit codes: 0 done; 1 refused or failed (a gate failed or could not run, a rollback the rules
forbid, a model file changed since it was registered, an unreadable registry, the deployments
table unwritable); 2 bad input (no such tag or file, a tag that is taken or malformed, a model
file or card that is not valid).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from entrypoints.cli.common import EXIT_FAILURE, EXIT_USAGE, echo_json, fail, json_option, settings_from_context
from entrypoints.cli.model_output import entry_lines, list_lines, verdict_lines

if TYPE_CHECKING:
    from application.models.registry import PromotionRefused, RegistryService
    from entrypoints.container import RegistryContainer

# subcommands that live in modules of their own: name -> "module:attribute"
_ATTACHED = {"monitor": "entrypoints.cli.monitor:monitor"}


class _ModelGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *_ATTACHED])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in _ATTACHED:
            module_name, attribute = _ATTACHED[cmd_name].split(":")
            command: click.Command = getattr(importlib.import_module(module_name), attribute)
            return command
        return super().get_command(ctx, cmd_name)


@click.group(name="model", cls=_ModelGroup)
def model() -> None:
    """Trained models: register them under semver tags, promote them through every gate, roll
    back to an earlier version. Exit codes: 0 done, 1 refused or failed, 2 bad input."""


def _registry(ctx: click.Context) -> RegistryContainer:
    from entrypoints.container import build_container

    return build_container(settings_from_context(ctx).settings).registry()



@contextmanager
def _errors(file_error_code: int) -> Iterator[None]:
    """The failures a registry command reports in one line, each with its exit code; a model file
    that is wrong is bad input when it is being registered and a failure once it was registered."""
    from sqlalchemy.exc import SQLAlchemyError

    from application.models.ports import ModelFileError, RegistryFileError
    from domain.models.registry import RollbackRefused

    try:
        yield
    except ModelFileError as exc:
        fail(str(exc), file_error_code)
    except (RegistryFileError, RollbackRefused) as exc:
        fail(str(exc), EXIT_FAILURE)
    except SQLAlchemyError as exc:
        fail(f"the model_deployments table could not be written ({type(exc).__name__}: {exc}); "
              f"the registry and the promoted links were put back as they were", EXIT_FAILURE)
    except ValueError as exc:  # an unknown, taken or malformed tag; an empty reason
        fail(str(exc), EXIT_USAGE)


def _service(ctx: click.Context) -> RegistryService:
    return _registry(ctx).service()


@model.command(name="list")
@json_option
@click.pass_context
def list_models(ctx: click.Context, as_json: bool) -> None:
    """Every registered tag by role and version, and which one each role serves."""
    with _errors(EXIT_FAILURE):
        store = _registry(ctx).registry_store()
        registry = store.load()
    if as_json:
        echo_json({"registry": str(getattr(store, "path", "")), **registry.as_dict()})
        return
    click.echo("\n".join(list_lines(registry)))


@model.command()
@click.argument("tag")
@json_option
@click.pass_context
def show(ctx: click.Context, tag: str, as_json: bool) -> None:
    """One tag's entry: file, hashes, params, metrics, promotion and rollback."""
    with _errors(EXIT_FAILURE):
        registry = _registry(ctx).registry_store().load()
        entry = registry.entry(tag)
    serving = registry.promoted.get(entry.role) == entry.tag
    if as_json:
        echo_json({**entry.as_dict(), "serving": serving})
        return
    click.echo("\n".join(entry_lines(entry, serving)))


@model.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--tag", help="Tag to register it under, vX.Y.Z (default: its role's latest tag, patch bumped).")
@json_option
@click.pass_context
def register(ctx: click.Context, path: Path, tag: str | None, as_json: bool) -> None:
    """Register PATH.pt (in MODEL_DIR, its card PATH.json beside it) under a new tag."""
    with _errors(EXIT_USAGE):
        entry = _service(ctx).register(str(path), datetime.now(UTC), tag)
    if as_json:
        echo_json(entry.as_dict())
    else:
        click.echo(f"registered {entry.file} as {entry.tag} ({entry.role})")


@model.command()
@click.argument("tag")
@click.option("--research", is_flag=True,
              help="Promote it even if its gates fail, for dry-run research only, marked as such; live mode "
                   "refuses to start with it.")
@json_option
@click.pass_context
def promote(ctx: click.Context, tag: str, research: bool, as_json: bool) -> None:
    """Make TAG its role's served model once every promotion gate passes (validation accuracy per
    coin, calibration error, leakage check, time split, the challenge gate on the validation
    backtest); otherwise refuse, listing every gate that failed or could not run."""
    from application.models.registry import PromotionRefused
    from domain.signals.signal import Mode

    container = _registry(ctx)
    mode = Mode(container.settings().mode)
    with _errors(EXIT_FAILURE):
        try:
            done = container.service().promote(tag, datetime.now(UTC), research=research, mode=mode)
        except PromotionRefused as refused:
            _refused(refused, as_json)
    entry = done.entry
    if as_json:
        echo_json({"tag": entry.tag, "role": entry.role, "promoted": True, "promotion": str(entry.promotion),
                   "replaced": done.replaced, "failures": list(entry.gate_failures),
                   "verdicts": [v.as_dict() for v in done.verdicts]})
    else:
        replaced = f", replacing {done.replaced}" if done.replaced and done.replaced != entry.tag else ""
        click.echo(f"promoted {entry.tag} to {entry.role} ({entry.promotion}){replaced}")
        click.echo("\n".join(verdict_lines(done.verdicts)))
    if entry.gate_failures:
        click.echo(f"WARNING: {entry.tag} is a RESEARCH promotion: it did NOT pass its gates and serves dry-run "
                   f"only; live mode refuses to start with it:", err=True)
        for reason in entry.gate_failures:
            click.echo(f"  - {reason}", err=True)


def _refused(refused: PromotionRefused, as_json: bool) -> NoReturn:
    if as_json:
        echo_json({"tag": refused.tag, "promoted": False, "failures": list(refused.reasons),
                   "verdicts": [v.as_dict() for v in refused.verdicts]})
    click.echo(f"refused: {refused.tag} is not promoted; every gate that failed or could not run:", err=True)
    for reason in refused.reasons:
        click.echo(f"  - {reason}", err=True)
    sys.exit(EXIT_FAILURE)


@model.command()
@click.argument("tag")
@click.option("--reason", required=True, help="Why the promoted model is pulled (recorded with the rollback).")
@json_option
@click.pass_context
def rollback(ctx: click.Context, tag: str, reason: str, as_json: bool) -> None:
    """Serve the earlier TAG again in its role (it must have been promoted before); the model it
    replaces is marked rolled back with REASON in the registry and in model_deployments."""
    with _errors(EXIT_FAILURE):
        done = _service(ctx).rollback(tag, reason, datetime.now(UTC))
    if as_json:
        echo_json({"role": done.restored.role, "serving": done.restored.tag, "pulled": done.pulled.tag,
                   "reason": done.pulled.rollback_reason, "promotion": str(done.restored.promotion)})
    else:
        click.echo(f"rolled back {done.restored.role} from {done.pulled.tag} to {done.restored.tag}: "
                   f"{done.pulled.rollback_reason}")
