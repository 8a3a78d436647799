"""`tradeai retrain`: the seed's retraining schedule (weekly, and when a monitor trigger fires).
Exit codes: 0 at least one role promoted a new version (or a dry run finished), 1 none promoted
(each refusal listed; the models serving keep serving) or a failure, 2 bad input. With --if-requested
and no request pending: 0, nothing done."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from entrypoints.cli.common import (
    EXIT_FAILURE,
    EXIT_USAGE,
    UTC_TIME,
    echo_json,
    fail,
    json_option,
    settings_from_context,
)


@click.command()
@click.option("--roles", help="Comma-separated roles, e.g. lstm_btc,transformer (default: every promoted role).")
@click.option("--now", type=UTC_TIME, help="The data's end (ISO, UTC). Default: the last minute every pair holds.")
@click.option("--validation-days", type=click.IntRange(min=1), default=30, show_default=True,
              help="The most recent days, validated on (early stopping, calibration, the gates).")
@click.option("--train-months", type=click.IntRange(min=0), default=12, show_default=True,
              help="Months of history before the validation days (0: all the store holds).")
@click.option("--min-coverage", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Share of a period's minutes each pair must hold.")
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="cpu", show_default=True)
@click.option("--dry-run", is_flag=True, help="Train and evaluate the gates; register and promote nothing.")
@click.option("--if-requested", is_flag=True,
              help="Only if the bot recorded a request (/retrain): run the oldest and record its result there; "
                   "with none pending, exit 0 having done nothing.")
@json_option
@click.pass_context
def retrain(ctx: click.Context, roles: str | None, now: datetime | None, validation_days: int, train_months: int,
            min_coverage: float, device: str, dry_run: bool, if_requested: bool, as_json: bool) -> None:
    """Retrain each promoted model walk-forward on the latest data, validated on the most recent
    days; register it as its role's next patch version and promote it only if every gate passes."""
    from adapters.torch import ModelFileError
    from application.features.ports import FeatureSetError
    from application.models.training.periods import TrainingInputError
    from domain.models.registry import RegistryError
    from entrypoints.cli.features import code_version
    from entrypoints.container import build_container
    from entrypoints.job_lock import JobBusy, exclusive_job
    from entrypoints.retrain_run import RetrainOptions
    from entrypoints.retrain_run import retrain as run
    from entrypoints.training_run import epoch_bars

    settings = settings_from_context(ctx).settings
    chosen = tuple(r.strip() for r in (roles or "").split(",") if r.strip())
    options = RetrainOptions(chosen, now, validation_days, train_months or None, min_coverage, dry_run, device)
    root = build_container(settings)
    try:
        # the weekly run waits for a requested one to finish; a request waits for the next tick
        with exclusive_job(Path(settings.candles.data_dir), wait=not if_requested), epoch_bars(not as_json) as bars:
            def work() -> list[Any]:
                return run(root, options, datetime.now(UTC), bars, code_version())

            outcomes = _requested(root, work, dry_run, as_json) if if_requested else work()
    except JobBusy as exc:
        click.echo(f"{exc}: the request stays pending for the next run", err=True)
        return
    except (TrainingInputError, FeatureSetError, RegistryError) as exc:
        fail(str(exc), EXIT_USAGE)
    except (OSError, RuntimeError, ModelFileError) as exc:
        fail(str(exc), EXIT_FAILURE)
    if outcomes is None:
        return  # nothing was asked for
    if as_json:
        echo_json({"dry_run": dry_run, "roles": [o.as_dict() for o in outcomes]})
    else:
        click.echo("\n".join(_line(o, dry_run) for o in outcomes))
    if not dry_run and not any(o.promoted for o in outcomes):
        sys.exit(EXIT_FAILURE)


def _requested(root: Any, work: Any, dry_run: bool, as_json: bool) -> list[Any] | None:
    from entrypoints.retrain_requested import retrain_if_requested

    picked = retrain_if_requested(root, work, dry_run)
    if picked is None:
        if as_json:
            echo_json({"requested": None})
        else:
            click.echo("no retrain request pending: nothing to do")
        return None
    request, outcomes = picked
    click.echo(f"retrain request #{request.request_id} by {request.requested_by} "
               f"({request.requested_at:%Y-%m-%d %H:%M} UTC)", err=True)
    return list(outcomes)


def _line(o: Any, dry_run: bool) -> str:
    accuracy = ", ".join(f"{p} {a:.4f}" if a is not None else f"{p} -" for p, a in o.validation_accuracy.items())
    head = (f"{o.role}: {o.model} (validation {o.split['validation'][0][:16]} -> {o.split['validation'][1][:16]}, "
            f"no test period; accuracy {accuracy})")
    if o.promoted:
        return f"{head}\n  promoted as {o.tag}, replacing {o.replaced}"
    state = "dry run: not registered" if dry_run else f"registered as {o.tag}, NOT promoted; {o.replaced} keeps serving"
    return f"{head}\n  {state}" + "".join(f"\n  - {f}" for f in o.failures)
