"""`tradeai export`: the nightly export of the risk book (mode-tagged) and the window's JSON logs to
parquet. Exit codes: 0 written, 1 failed (store unreachable, a file not writable; nothing partial
is left), 2 bad input (window, an existing run, an unreadable log file)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
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


def _midnight(day: datetime) -> datetime:
    return datetime.combine(day.date(), time(0), tzinfo=UTC)


@click.command()
@click.option("--since", type=UTC_TIME, help="Start of the window (ISO, UTC). Default: yesterday 00:00 UTC.")
@click.option("--until", type=UTC_TIME, help="End of the window, excluded (ISO, UTC). Default: --since + 1 day.")
@click.option("--out", required=True,
              help="Folder the run is written under (<out>/risk-book_<since>_<until>/), or s3://bucket/prefix "
                   "(the s3 extra; boto3's credentials and AWS_ENDPOINT_URL).")
@click.option("--logs", "log_file", type=click.Path(dir_okay=False, path_type=Path),
              help="The runtime's JSON log lines (e.g. `journalctl -u tradeai -o cat > FILE`); their events "
                   "inside the window go to logs.parquet.")
@json_option
@click.pass_context
def export(ctx: click.Context, since: datetime | None, until: datetime | None, out: str, log_file: Path | None,
           as_json: bool) -> None:
    """Export the risk book's tables (risk_book with its mode, control changes, deployments, equity
    snapshots, account days; patterns and guard state as they stand) and the window's log events to
    parquet, with a manifest of row counts and sha256 per file."""
    from adapters.parquet.export import ExportExists, write_export
    from adapters.sql.export import export_frames
    from entrypoints.container import build_container
    from entrypoints.settings import mask_url
    from entrypoints.store_wait import store_error

    settings = settings_from_context(ctx).settings
    start = since or _midnight(datetime.now(UTC)) - timedelta(days=1)
    end = until or start + timedelta(days=1)
    if end <= start:
        fail(f"--until {end:%Y-%m-%d %H:%M} must be after --since {start:%Y-%m-%d %H:%M}", EXIT_USAGE)
    frames: dict[str, Any] = {}
    skipped: list[int] = []
    if log_file is not None:
        frames["logs"], skipped = _logs(log_file, start, end)
    store = build_container(settings).store()
    try:
        frames = {**export_frames(store.upgraded_engine(), start, end), **frames}
    except Exception as exc:  # any driver error: the store cannot be read now
        fail(f"cannot read the store at {mask_url(settings.store.url)}: {store_error(exc)}", EXIT_FAILURE)
    run = f"risk-book_{start:%Y%m%dT%H%M}_{end:%Y%m%dT%H%M}"
    about = {"since": start.isoformat(), "until": end.isoformat(), "store": mask_url(settings.store.url),
             "exported_at": datetime.now(UTC).isoformat(), "log_file": str(log_file) if log_file else None,
             "log_lines_skipped": skipped}
    if out.startswith("s3://"):
        where = _to_s3(out, run, frames, about)
    else:
        try:
            where = str(write_export(Path(out), run, frames, about))
        except ExportExists as exc:
            fail(str(exc), EXIT_USAGE)
        except OSError as exc:
            fail(f"cannot write the export under {out}: {exc}", EXIT_FAILURE)
    rows = {name: len(frame) for name, frame in frames.items()}
    if as_json:
        echo_json({"folder": where, "rows": rows, "log_lines_skipped": len(skipped)})
        return
    click.echo(f"exported {start:%Y-%m-%d %H:%M} -> {end:%Y-%m-%d %H:%M} UTC to {where}")
    click.echo("  " + ", ".join(f"{name} {count:,}" for name, count in rows.items()))
    if skipped:
        click.echo(f"  {len(skipped)} log line(s) were not JSON events and were left out: lines "
                   f"{', '.join(map(str, skipped[:10]))}{' ...' if len(skipped) > 10 else ''}")


def _to_s3(url: str, run: str, frames: dict[str, Any], about: dict[str, Any]) -> str:
    """The run written to a temporary folder, then uploaded (manifest last); nothing is left locally."""
    import importlib.util
    import tempfile

    from adapters.parquet.export import write_export
    from adapters.s3 import S3Error, S3Location, upload_run

    if importlib.util.find_spec("boto3") is None:
        fail("--out s3://...: install the s3 extra (pip install 'trading-ai[s3]')", EXIT_USAGE)
    try:
        location = S3Location.parse(url)
    except S3Error as exc:
        fail(str(exc), EXIT_USAGE)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_export(Path(tmp), run, frames, about)
        try:
            upload_run(folder, location)
        except S3Error as exc:
            fail(f"cannot export to S3: {exc}", EXIT_FAILURE)
    return f"s3://{location.bucket}/{location.key(run)}/"


def _logs(path: Path, start: datetime, end: datetime) -> tuple[Any, list[int]]:
    from adapters.jsonl.logs import log_frame

    try:
        return log_frame(path, start, end)
    except OSError as exc:
        fail(f"--logs {path}: {exc.strerror or exc}", EXIT_USAGE)
