"""`tradeai db`: schema upgrades, backups, restores and retention of the risk book.

Exit codes: 0 ok, 1 failure, 2 bad usage. The database URL comes from the settings (store.url,
env DATABASE_URL); it is only ever shown with its password masked.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from domain.security.redaction import mask_url, scrub
from entrypoints.cli.common import EXIT_FAILURE, echo_json, json_option, settings_from_context
from entrypoints.settings.store_url import url_secrets

if TYPE_CHECKING:
    from entrypoints.container import StoreContainer
    from entrypoints.settings import Settings


def _report(payload: dict[str, Any], as_json: bool, text: str) -> None:
    if as_json:
        echo_json(payload)
    else:
        click.echo(text)


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_FAILURE)


def _open(ctx: click.Context) -> tuple[Settings, StoreContainer]:
    """The settings and the store's container; nothing connects until a command asks for an adapter."""
    from entrypoints.container import build_container

    settings = settings_from_context(ctx).settings
    return settings, build_container(settings).store()


def _guarded(action: Callable[[], Any], url: str) -> Any:
    """Run ``action``, turning expected failures into one masked line and exit 1."""
    from sqlalchemy.exc import SQLAlchemyError

    from entrypoints.container.store import maintenance_errors

    expected: tuple[type[Exception], ...] = (*maintenance_errors(), OSError)
    try:
        return action()
    except expected as exc:
        _fail(_masked(str(exc), url))
    except SQLAlchemyError as exc:
        # the driver's own message, without the statement and parameters SQLAlchemy appends
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        _fail(f"database {mask_url(url)}: {_masked(detail, url)}")


def _masked(text: str, url: str) -> str:
    """A driver may quote the password bare, without its key or URL: its value is scrubbed too."""
    return scrub(text, url_secrets(url))


@click.group()
def db() -> None:
    """The store (SQLite or Postgres): upgrade the schema, back up, restore, archive old rows."""


@db.command()
@json_option
@click.pass_context
def upgrade(ctx: click.Context, as_json: bool) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already)."""
    settings, store = _open(ctx)
    url = settings.store.url

    def run() -> None:
        engine = store.engine()
        try:
            store.upgraded_engine()
        finally:
            engine.dispose()

    _guarded(run, url)
    _report({"store": mask_url(url), "revision": "head"}, as_json, f"{mask_url(url)}: schema at head")


@db.command()
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Backup file to write (Postgres: pg_dump custom format; SQLite: a database copy).")
@json_option
@click.pass_context
def backup(ctx: click.Context, out: Path, as_json: bool) -> None:
    """Write a consistent backup of the store to a file (atomically)."""
    settings, store = _open(ctx)
    url = settings.store.url
    path = _guarded(lambda: store.backup(out), url)
    size = path.stat().st_size
    _report({"store": mask_url(url), "path": str(path), "bytes": size}, as_json,
            f"backed up {mask_url(url)} to {path} ({size} bytes)")


@db.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@json_option
@click.pass_context
def restore(ctx: click.Context, path: Path, yes: bool, as_json: bool) -> None:
    """Replace the store's contents with a backup written by `tradeai db backup`."""
    settings, store = _open(ctx)
    url = settings.store.url
    if not yes:
        click.confirm(f"Replace every table of {mask_url(url)} with {path}?", abort=True, err=True)
    _guarded(lambda: store.restore(path), url)
    _report({"store": mask_url(url), "restored_from": str(path)}, as_json,
            f"restored {mask_url(url)} from {path}")


@db.command()
@click.option("--older-than-days", default=90, show_default=True, type=click.IntRange(min=1),
              help="Archive dry-run rows whose entry time is older than this many days.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path),
              help="Archive folder (default: <candles.data_dir>/archive).")
@json_option
@click.pass_context
def archive(ctx: click.Context, older_than_days: int, out: Path | None, as_json: bool) -> None:
    """Move old dry-run rows, and old messages the outbox delivered or gave up, to parquet, then delete
    them. Live rows, patterns, deployments and messages still waiting stay."""
    settings, store = _open(ctx)
    url = settings.store.url
    folder = out if out is not None else Path(settings.candles.data_dir) / "archive"
    now = datetime.now(UTC)
    cutoff = now - timedelta(days=older_than_days)

    def run() -> Any:
        engine = store.engine()
        try:
            return store.archive(cutoff, folder, now), store.archive_outbox(cutoff, folder, now)
        finally:
            engine.dispose()

    result, messages = _guarded(run, url)
    payload = {"store": mask_url(url), "cutoff": cutoff.isoformat(), "archived": result.rows,
               "deleted": result.deleted, "path": None if result.path is None else str(result.path),
               "outbox": {"archived": messages.rows, "deleted": messages.deleted,
                          "path": None if messages.path is None else str(messages.path)}}
    text = (f"archived {result.rows} dry-run rows older than {cutoff:%Y-%m-%d %H:%M} UTC to {result.path}"
            if result.rows else f"no dry-run rows older than {cutoff:%Y-%m-%d %H:%M} UTC")
    if messages.rows:
        text += f"\narchived {messages.rows} finished outbox messages to {messages.path}"
    _report(payload, as_json, text)


def _perf(p: Any) -> dict[str, Any]:
    return {"trades": p.count, "wins": p.wins, "win_rate": None if p.win_rate is None else round(p.win_rate, 4),
            "avg_r": None if p.avg_r is None else round(p.avg_r, 4)}


def _stats_payload(report: Any) -> dict[str, Any]:
    return {
        "now": report.now.isoformat(),
        "windows": [{"days": w.days, "overall": _perf(w.overall),
                     "by_tier": {k: _perf(v) for k, v in w.by_tier.items()}} for w in report.windows],
        "by_model": {k: _perf(v) for k, v in report.by_model.items()},
        "by_session": {k: _perf(v) for k, v in report.by_session.items()},
        "patterns": [{"name": p.name, "pattern_hash": p.pattern_hash, "wins": p.wins, "total": p.total}
                     for p in report.patterns],
    }


def _stats_text(payload: dict[str, Any]) -> str:
    def line(label: str, p: dict[str, Any]) -> str:
        rate = "-" if p["win_rate"] is None else f"{p['win_rate'] * 100:.1f}%"
        avg = "-" if p["avg_r"] is None else f"{p['avg_r']:+.2f}R"
        return f"  {label:14} {p['trades']:6d} trades  win {rate:>6}  avg {avg:>7}"

    lines = []
    for window in payload["windows"]:
        lines.append(f"last {window['days']} days (closed trades by entry time, up to {payload['now']})")
        lines.append(line("all", window["overall"]))
        lines += [line(tier, p) for tier, p in window["by_tier"].items()]
    lines.append("by session (longest window)")
    lines += [line(name, p) for name, p in payload["by_session"].items()]
    lines.append("by model version (longest window)")
    lines += [line(name, p) for name, p in payload["by_model"].items()]
    return "\n".join(lines)


@db.command()
@click.option("--now", "now_text", default=None, help="End of the windows, ISO time (default: now).")
@click.option("--mode", type=click.Choice(["dryrun", "live"]), default=None, help="Only one mode (default: both).")
@json_option
@click.pass_context
def stats(ctx: click.Context, now_text: str | None, mode: str | None, as_json: bool) -> None:
    """Win rate and average R over the last 7 and 30 days, by tier, session and model (the bot's /stats)."""
    from application.stats.report import build_stats
    from domain.signals.signal import Mode

    try:
        now = datetime.fromisoformat(now_text) if now_text else datetime.now(UTC)
    except ValueError:
        raise click.BadParameter(f"not an ISO time: {now_text!r}", param_hint="--now") from None
    if now.tzinfo is None:
        raise click.BadParameter("give a time with an offset, e.g. 2021-07-10T18:00Z", param_hint="--now")
    settings, store = _open(ctx)
    url = settings.store.url

    def run() -> Any:
        return build_stats(store.performance_queries(), store.pattern_repository(), now.astimezone(UTC),
                           mode=Mode(mode) if mode else None)

    payload = _stats_payload(_guarded(run, url))
    _report(payload, as_json, _stats_text(payload))
