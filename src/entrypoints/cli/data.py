"""`tradeai data`: download, import, validate, list and split the 1-minute candle store."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from domain.features.splits import DEFAULT_HORIZON, resolve_embargo
from entrypoints.cli.common import EXIT_FAILURE, EXIT_USAGE, UTC_TIME, data_dir_container, echo_json, fail, json_option

if TYPE_CHECKING:
    from entrypoints.container import DataContainer

DEFAULT_PAIRS = "BTCUSDT,ETHUSDT,BNBUSDT"
DEFAULT_HORIZON_MINUTES = int(DEFAULT_HORIZON / timedelta(minutes=1))


def _data_dir_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="DATA_DIR",
                        default="data", show_default=True,
                        help="Data folder (env DATA_DIR); candles live under <data-dir>/candles/.")(command)


def _pairs_option(default: str | None) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option("--pairs", default=default, show_default=default is not None,
                        help="Comma-separated pairs, e.g. BTCUSDT,ETHUSDT"
                        + ("" if default else " (default: all stored)."))


def _parse_pairs(text: str | None, option: str = "--pairs") -> list[Any] | None:
    """The pairs of a comma-separated option; errors name ``option``, the one the user typed."""
    from domain.market.candles import Pair

    if not text:
        return None
    try:
        return [Pair.parse(p) for p in text.split(",") if p.strip()]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def _parse_pair(text: str | None, option: str) -> Any:
    chosen = _parse_pairs(text, option) or [None]
    if len(chosen) > 1:
        raise click.BadParameter(f"takes one pair, got {text!r}", param_hint=option)
    return chosen[0]


def _data(data_dir: Path, base_url: str | None = None) -> DataContainer:
    return data_dir_container(data_dir, base_url).data()



@click.group()
def data() -> None:
    """Market data: 1-minute candles from Binance, validated, stored in parquet and split for
    walk-forward work. Exit codes: 0 ok, 1 failure, 2 bad usage or bad input."""


@data.command()
@_pairs_option(DEFAULT_PAIRS)
@click.option("--start", required=True, type=UTC_TIME, help="First open time to fetch (ISO, UTC), e.g. 2020-01-01.")
@click.option("--end", type=UTC_TIME, help="Stop before this time (ISO, UTC). Default: now.")
@click.option("--base-url", envvar="BINANCE_BASE_URL", default="https://api.binance.com", show_default=True,
              help="Binance REST endpoint (env BINANCE_BASE_URL).")
@_data_dir_option
@json_option
def download(pairs: str, start: datetime, end: datetime | None, base_url: str, data_dir: Path, as_json: bool) -> None:
    """Download closed candles from Binance REST: only the minutes of [start, end) the store
    lacks (after its end, before its start, and the holes inside). A downloaded candle that
    differs from the stored one keeps the stored value, is listed, and makes the exit code 1."""
    from application.data.ingest_report import describe_download

    chosen = _parse_pairs(pairs) or []
    end = end or datetime.now(UTC)
    if start >= end:
        raise click.BadParameter("--start must be before --end", param_hint="--start")
    reports, error = run_download(_data(data_dir, base_url), chosen, start, end,
                                  show_progress=not as_json)
    if as_json:
        echo_json({"pairs": reports, "error": error})
    else:
        for report in reports:
            click.echo(describe_download(report))
    if error:
        fail(error)
    conflicts = sum(r["conflicts"] for r in reports)
    if conflicts:
        fail(f"{conflicts:,} downloaded candle(s) differ from the stored ones; the stored values were kept "
              "(check the source of the stored candles)")


@data.command(name="import")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--pair", help="Pair of every file (default: read from each file name, e.g. BTCUSDT-1m-2024-01.zip).")
@click.option("--format", "layout", type=click.Choice(["auto", "ohlcv", "binance"]), default="auto", show_default=True,
              help="ohlcv: header open_time,open,high,low,close,volume; binance: data.binance.vision 12 columns.")
@click.option("--skip-bad-rows", is_flag=True, help="Import the good rows and report how many were skipped.")
@_data_dir_option
@json_option
def import_(paths: tuple[Path, ...], pair: str | None, layout: str, skip_bad_rows: bool, data_dir: Path,
            as_json: bool) -> None:
    """Import candle files (folders: every *.csv, *.csv.gz and *.zip inside). Nothing is written
    when a row is bad, unless --skip-bad-rows."""
    from application.data.ingest import ImportCandles
    from application.data.ingest_report import describe_import, import_payload
    from application.data.ports import DataError

    chosen = _parse_pair(pair, "--pair")
    files = expand_paths(paths)
    if not files:
        fail("no candle files found in " + ", ".join(map(str, paths)), EXIT_USAGE)
    data = _data(data_dir)
    try:
        report = ImportCandles(data.file_reader(layout=layout), data.candle_store())([str(f) for f in files],
                                                                                    skip_bad_rows, chosen)
    except DataError as exc:
        fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        fail(f"the store under {data_dir} could not be written ({exc})")
    if as_json:
        echo_json(import_payload(report))
    else:
        click.echo(describe_import(report), err=not report.written)
    if not report.written:
        sys.exit(EXIT_USAGE)


@data.command()
@_pairs_option(None)
@click.option("--extreme-mads", type=float, default=25.0, show_default=True,
              help="Returns beyond this many robust deviations are flagged as extreme.")
@click.option("--max-gaps", type=int, default=50, show_default=True, help="Gaps listed per pair in text output.")
@_data_dir_option
@json_option
def validate(pairs: str | None, extreme_mads: float, max_gaps: int, data_dir: Path, as_json: bool) -> None:
    """Check the stored candles: gaps, duplicates, grid, OHLC, volume, extreme returns."""
    from application.data.ingest_report import describe_quality, quality_payload
    from application.data.ingest_validate import validate_store
    from domain.market.quality import QualityThresholds

    data = _data(data_dir)
    thresholds = QualityThresholds(extreme_return_mads=extreme_mads)
    reports = validate_store(data.candle_store(), _parse_pairs(pairs), thresholds)
    if not reports:
        fail(f"no candles stored under {data.candle_folder()}")
    if as_json:
        echo_json({p.symbol: quality_payload(r) for p, r in reports.items()})
    else:
        for p, r in reports.items():
            click.echo(describe_quality(p.symbol, r, max_gaps))
    if any(r.row_errors or r.rows == 0 for r in reports.values()):
        sys.exit(EXIT_FAILURE)


@data.command(name="list")
@_pairs_option(None)
@_data_dir_option
@json_option
def list_(pairs: str | None, data_dir: Path, as_json: bool) -> None:
    """Coverage per pair and month."""
    from application.data.ingest_report import coverage_payload, describe_coverage
    from application.data.ingest_validate import coverage_by_month

    payload = coverage_payload(coverage_by_month(_data(data_dir).candle_store(), _parse_pairs(pairs)))
    if as_json:
        echo_json(payload)
    else:
        click.echo(describe_coverage(payload) or "no candles stored")


@data.command()
@_pairs_option(None)
@click.option("--rolling", is_flag=True, help="Rolling windows instead of the default periods.")
@click.option("--train-months", type=click.IntRange(min=1), default=12, show_default=True)
@click.option("--validate-months", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--step-months", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--horizon", "horizon_minutes", type=click.IntRange(min=1), default=DEFAULT_HORIZON_MINUTES,
              show_default=True, help="Longest label horizon in minutes (default: the labels' default).")
@click.option("--embargo-minutes", type=click.IntRange(min=0),
              help="Gap between periods; at least --horizon, which is the default.")
@click.option("--min-coverage", type=click.FloatRange(0, 1), default=0.5, show_default=True,
              help="Share of a period's minutes that must be stored for it to be usable.")
@click.option("--now", type=UTC_TIME, help="End of the test period (ISO, UTC). Default: now.")
@_data_dir_option
@json_option
def splits(pairs: str | None, rolling: bool, train_months: int, validate_months: int, step_months: int,
           horizon_minutes: int, embargo_minutes: int | None, min_coverage: float, now: datetime | None,
           data_dir: Path, as_json: bool) -> None:
    """Walk-forward periods (train 2020-2023, validation 2024, test 2025-) or rolling windows,
    with the rows each period holds per pair; periods with too little data are flagged. Exits 1
    when no split is usable (an empty store, too little history, a period short of data)."""
    from application.data.ingest_report import describe_splits, splits_payload
    from application.data.splits import RollingSpec, plan_splits

    horizon = timedelta(minutes=horizon_minutes)
    embargo = _embargo(embargo_minutes, horizon)
    data = _data(data_dir)
    store = data.candle_store()
    chosen = _parse_pairs(pairs) or store.pairs()
    spec = RollingSpec(train_months, validate_months, step_months) if rolling else None
    plans = plan_splits(store, chosen, now or datetime.now(UTC), spec, embargo, min_coverage, horizon) if chosen else []
    if as_json:
        echo_json(splits_payload(plans))
    elif plans:
        click.echo(describe_splits(plans))
    _fail_unless_usable(bool(chosen), plans, data.candle_folder())


def _fail_unless_usable(any_pair: bool, plans: list[Any], root: Path) -> None:
    # a script chaining `data splits && train` must not go on with nothing to train on
    if not any_pair:
        fail(f"no candles stored under {root}: import or download some first")
    if not plans:
        fail("no periods: the store holds too little history for one window")
    if not any(plan.usable for plan in plans):
        fail("no usable split: each one has a period with too little data (marked UNUSABLE); add candles, "
              "choose other --pairs or lower --min-coverage")


def _embargo(minutes: int | None, horizon: timedelta) -> timedelta:
    try:
        return resolve_embargo(None if minutes is None else timedelta(minutes=minutes), horizon)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--embargo-minutes") from None


_CANDLE_SUFFIXES = (".csv", ".csv.gz", ".zip")


def expand_paths(paths: tuple[Path, ...]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.is_file() and p.name.endswith(_CANDLE_SUFFIXES))
        else:
            files.append(path)
    return files


def run_download(data: DataContainer, pairs: list[Any], start: datetime, end: datetime,
                 show_progress: bool) -> tuple[list[dict[str, Any]], str]:
    """Download each pair in turn with a progress bar; the first failure stops the rest."""
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    from application.data.ingest_download import DownloadCandles
    from application.data.ingest_report import download_payload
    from application.data.ports import DataError
    from domain.market.candles import datetime_to_ms

    start_ms, end_ms = datetime_to_ms(start), datetime_to_ms(end)
    reports: list[dict[str, Any]] = []
    columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,.0f} min"),
               TimeRemainingColumn())
    try:
        with data.kline_feed() as feed, \
                Progress(*columns, disable=not show_progress, console=_stderr_console()) as progress:
            use_case = DownloadCandles(feed, data.candle_store())
            for pair in pairs:
                ranges = use_case.missing(pair, start_ms, end_ms)
                total = sum(hi - lo for lo, hi in ranges) // 60_000
                task = progress.add_task(pair.symbol, total=total)

                def advance(rows: int, _reached_ms: int, task: Any = task) -> None:
                    progress.update(task, completed=rows)

                report = use_case(pair, start_ms, end_ms, advance, ranges=ranges)
                progress.update(task, completed=total)
                reports.append(download_payload(report))
    except DataError as exc:
        return reports, str(exc)
    except OSError as exc:
        return reports, f"the store could not be written ({exc})"
    return reports, ""


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)
