"""`tradeai model monitor`: evaluate the retraining triggers of a model (or of every promoted one),
log each, alert the fired ones and say what fired.

A standalone click command, attached to the `model` group by the CLI's assembly. Exit codes: 0 it
ran (whatever fired: the output says), 1 a trigger's data could not be read or an alert could not
be sent, 2 bad input (no such card, a malformed card, bad settings or options).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
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

if TYPE_CHECKING:
    from entrypoints.model_monitor import MonitorRun
    from entrypoints.settings import Settings

_MARKS = {"fired": "FIRED", "quiet": "ok", "not_evaluated": "n/a", "error": "ERROR"}


@click.command("monitor")
@click.option("--model", "model", metavar="PATH_OR_NAME.json",
              help="A model card, as a path or a card's name in MODEL_DIR (default: every promoted model).")
@click.option("--now", type=UTC_TIME, help="Evaluate as of this time (ISO; UTC unless an offset is given). "
                                           "Default: now.")
@click.option("--recent-set", help="Feature set the recent rows come from (default: MONITOR_RECENT_FEATURE_SET, "
                                   "else the model's own).")
@click.option("--version", "versions", multiple=True, metavar="NAME",
              help="Another name the risk book records this model's trades under, e.g. its registry tag "
                   "(repeatable; the card's name always counts).")
@click.option("--no-alert", is_flag=True, help="Only report and log; send no message through the notifier.")
@json_option
@click.pass_context
def monitor(ctx: click.Context, model: str | None, now: datetime | None, recent_set: str | None,
            versions: tuple[str, ...], no_alert: bool, as_json: bool) -> None:
    """Check the retraining triggers: weekly schedule, daily accuracy streak, win rate, calibration
    error and feature drift (KS per feature, Holm-corrected). Exit 0 ran, 1 failed, 2 bad input."""
    from entrypoints.logging_setup import configure_logging
    from entrypoints.model_monitor import (
        CardError,
        build_monitor,
        default_scorer_for,
        load_card,
        promoted_cards,
        run_monitor,
    )
    from entrypoints.runtime_main import secrets_of

    settings = _settings(ctx, recent_set)
    configure_logging(level=settings.log.level, fmt=settings.log.format, mode=settings.mode,
                      secrets=secrets_of(settings), stream=sys.stderr)
    model_dir = Path(settings.predictor.model_dir)
    paths = [model] if model else [str(p) for p in promoted_cards(model_dir)]
    if not paths:
        fail(f"no promoted model under {model_dir / 'promoted'}; pass --model PATH_OR_NAME.json", EXIT_USAGE)
    try:
        cards = [load_card(p, model_dir) for p in paths]
    except CardError as exc:
        fail(str(exc), EXIT_USAGE)
    moment = now or datetime.now(UTC)
    notifier = None if no_alert else _notifier(settings)
    runs = [run_monitor(build_monitor(settings, scorer=default_scorer_for(path, card)), card, path, moment, notifier,
                        versions=versions, secrets=secrets_of(settings)) for card, path in cards]
    if as_json:
        echo_json({"now": moment.isoformat(), "models": [r.as_dict() for r in runs]})
    else:
        click.echo("\n\n".join(_text(r) for r in runs))
    if any(r.report.errors or r.alert_error for r in runs):
        sys.exit(EXIT_FAILURE)


def _settings(ctx: click.Context, recent_set: str | None) -> Settings:
    from entrypoints.cli.common import revalidated

    loaded = settings_from_context(ctx)
    if recent_set is None:
        return loaded.settings
    monitor = attrs.evolve(loaded.settings.monitor, recent_feature_set=recent_set)
    return revalidated(loaded, attrs.evolve(loaded.settings, monitor=monitor))


def _notifier(settings: Settings) -> Any:
    """The runtime's notifier; the console one writes to stderr, beside the logs, so stdout keeps the report."""
    from dependency_injector import providers

    from entrypoints.container import build_container

    runtime = build_container(settings).runtime()
    runtime.console_stream.override(providers.Object(sys.stderr))
    return runtime.notifier()


def _text(run: MonitorRun) -> str:
    report = run.report
    fired = ", ".join(r.name.value for r in report.fired) or "none"
    lines = [f"model {report.model} ({run.card_path}) as of {report.now:%Y-%m-%d %H:%M} UTC: fired {fired}"]
    lines += [f"  {_MARKS[r.status.value]:5} {r.name.value:19} {r.summary}" for r in report.results]
    if report.days_scored:
        lines.append(f"  daily accuracy: {report.days_scored} new day(s) scored into the history")
    if run.alerts_sent:
        lines.append(f"  alerts sent: {run.alerts_sent}")
    if run.alert_error:
        lines.append(f"  alert NOT sent: {run.alert_error}")
    return "\n".join(lines)


