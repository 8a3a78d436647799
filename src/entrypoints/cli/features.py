"""`tradeai features`: build, list and leakage-check the versioned feature sets."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import click

from domain.market.candles import Pair, datetime_to_ms
from entrypoints.cli.common import EXIT_FAILURE, EXIT_USAGE, UTC_TIME, data_dir_container, echo_json, json_option

if TYPE_CHECKING:
    from entrypoints.container import Container, DataContainer


def _data_dir_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="DATA_DIR",
                        default="data", show_default=True,
                        help="Data folder (env DATA_DIR): candles under <data-dir>/candles, feature sets under "
                             "<data-dir>/features.")(command)


def _pairs_option(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--pairs", help="Comma-separated pairs, e.g. BTCUSDT,ETHUSDT (default: all stored).")(command)


def _fit_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option("--fit-end", type=UTC_TIME,
                           help="End of the fit window (ISO, UTC). Default: end of the default training period "
                                "(2024-01-01 minus the embargo).")(command)
    return click.option("--fit-start", type=UTC_TIME,
                        help="Start of the fit window, which alone fits the normalizer and the regime thresholds "
                             "(ISO, UTC). Default: 2020-01-01.")(command)


def _fail(message: str, code: int = EXIT_FAILURE) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _pairs(text: str | None, data: DataContainer) -> list[Pair]:
    if not text:
        stored = data.candle_store().pairs()
        if not stored:
            _fail(f"no candles stored under {data.candle_folder()}; run `tradeai data import` first", EXIT_USAGE)
        return stored
    try:
        return [Pair.parse(p) for p in text.split(",") if p.strip()]
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--pairs") from None


def _fit_window(fit_start: datetime | None, fit_end: datetime | None) -> tuple[int, int]:
    from domain.features.splits import default_split

    train = default_split(datetime.now(UTC)).periods[0]
    start = fit_start or train.start
    end = fit_end or train.end
    if end <= start:
        raise click.BadParameter("--fit-end must be after --fit-start", param_hint="--fit-end")
    return datetime_to_ms(start), datetime_to_ms(end)


class _Inputs(NamedTuple):
    """What build and check-leakage both start from: the container, the pairs, the fit window and
    the span of open times, both in epoch milliseconds."""

    container: Container
    pairs: list[Pair]
    fit: tuple[int, int]
    span: tuple[int | None, int | None]


def _inputs(data_dir: Path, pairs: str | None, fit_start: datetime | None, fit_end: datetime | None,
            start: datetime | None, end: datetime | None) -> _Inputs:
    container = data_dir_container(data_dir)
    chosen = _pairs(pairs, container.data())
    return _Inputs(container, chosen, _fit_window(fit_start, fit_end), (_ms(start), _ms(end)))


def _ms(moment: datetime | None) -> int | None:
    return None if moment is None else datetime_to_ms(moment)


def code_version() -> str:
    """Package version and, when run from a git checkout, its commit (recorded, not hashed)."""
    import subprocess  # nosec B404
    from importlib.metadata import PackageNotFoundError, version

    try:
        package = version("trading-ai")
    except PackageNotFoundError:
        package = "unknown"
    try:
        # a fixed argument list and no shell: nothing here comes from the user
        command = ["git", "rev-parse", "--short", "HEAD"]
        commit = subprocess.run(command, capture_output=True, text=True, timeout=5, check=True,  # noqa: S603  # nosec
                                cwd=Path(__file__).parent).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{package}+{commit}" if commit else package


@click.group()
def features() -> None:
    """Feature sets: model inputs and labels built from the stored candles, with the normalizer and
    regime thresholds fitted on the training window. Exit codes: 0 ok, 1 failure (or leakage
    found), 2 bad usage or bad input."""


@features.command()
@_pairs_option
@click.option("--start", type=UTC_TIME, help="First open time stored (ISO, UTC). Default: the first stored candle.")
@click.option("--end", type=UTC_TIME,
              help="Stop before this open time (ISO, UTC). Default: after the last stored candle.")
@_fit_options
@click.option("--horizon", type=click.IntRange(min=1), default=15, show_default=True,
              help="Label horizon in 1-minute bars.")
@click.option("--dead-zone-bps", type=click.FloatRange(min=0), default=0.0, show_default=True,
              help="Direction label is 0 when |return| <= this many basis points.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Feature set file (.parquet; its manifest is written beside it as .json). "
                   "Default: <data-dir>/features/features_<today UTC>.parquet, or .2.parquet, .3.parquet... "
                   "when another set already has that name.")
@click.option("--force", is_flag=True, help="Replace a different feature set stored under the same name "
                                            "(without it a build never overwrites another set).")
@_data_dir_option
@json_option
def build(pairs: str | None, start: datetime | None, end: datetime | None, fit_start: datetime | None,
          fit_end: datetime | None, horizon: int, dead_zone_bps: float, out: Path | None, force: bool, data_dir: Path,
          as_json: bool) -> None:
    """Build a feature set; rebuilding from the same candles and options gives the same content hash
    and leaves the stored set untouched ("unchanged")."""
    from application.features.build import BuildFeatures, BuildRequest, Existing
    from application.features.ports import FeatureSetError
    from domain.features.labels import LabelSpec

    inputs = _inputs(data_dir, pairs, fit_start, fit_end, start, end)
    now = datetime.now(UTC)
    if out is not None and out.suffix != ".parquet":
        raise click.BadParameter(f"{out} must end in .parquet", param_hint="--out")
    context = inputs.container.features()
    folder = out.parent if out else context.feature_folder()
    name = out.stem if out else f"features_{now:%Y-%m-%d}"
    # an explicit file is refused when taken; the dated default name is numbered instead
    existing = Existing.REPLACE if force else Existing.REFUSE if out else Existing.NUMBER
    try:
        request = BuildRequest(name, tuple(inputs.pairs), *inputs.fit, *inputs.span,
                               labels=LabelSpec(horizon, dead_zone_bps), existing=existing)
        use_case = BuildFeatures(inputs.container.data().candle_store(), context.calculator(),
                                 context.feature_store(folder=folder), context.provenance(),
                                 code_version=code_version())
        with _progress(not as_json, len(inputs.pairs)) as advance:
            report = use_case(request, now, advance)
    except FeatureSetError as exc:
        _fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        _fail(f"the feature set could not be written under {folder} ({exc})")
    from application.features.report import build_payload, describe_build

    payload = build_payload(report)
    if as_json:
        echo_json(payload)
    else:
        click.echo(describe_build(payload))


@features.command(name="list")
@click.option("--verify", is_flag=True, help="Recompute each set's content hash from its data.")
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path),
              help="Folder of feature sets to list instead of <data-dir>/features (e.g. the folder of a "
                   "build --out).")
@_data_dir_option
@json_option
def list_(verify: bool, folder: Path | None, data_dir: Path, as_json: bool) -> None:
    """The feature sets under <data-dir>/features (or --dir)."""
    from application.features.manifest import content_hash, data_digest
    from application.features.ports import FeatureSetError
    from application.features.report import describe_list, list_row

    context = data_dir_container(data_dir).features()
    folder = folder or context.feature_folder()
    store = context.feature_store(folder=folder)
    rows, broken = [], False
    for name in store.names():
        try:
            manifest = store.manifest(name)
            row = list_row(name, manifest)
            if verify:
                row["verified"] = content_hash(manifest, data_digest(store.load(name))) == manifest["content_hash"]
                broken |= not row["verified"]
        except (FeatureSetError, KeyError, ValueError) as exc:
            row, broken = {"name": name, "error": str(exc)}, True
        rows.append(row)
    if as_json:
        echo_json(rows)
    else:
        click.echo(describe_list(rows) or f"no feature sets under {folder}")
    if broken:
        sys.exit(EXIT_FAILURE)


@features.command(name="check-leakage")
@_pairs_option
@click.option("--start", type=UTC_TIME, help="First open time checked (ISO, UTC). Default: the first stored candle.")
@click.option("--end", type=UTC_TIME, help="Stop before this open time (ISO, UTC).")
@_fit_options
@click.option("--samples", type=click.IntRange(min=1), default=10, show_default=True,
              help="Random bars T per pair.")
@click.option("--seed", type=int, default=0, show_default=True)
@_data_dir_option
@json_option
def check_leakage(pairs: str | None, start: datetime | None, end: datetime | None, fit_start: datetime | None,
                  fit_end: datetime | None, samples: int, seed: int, data_dir: Path, as_json: bool) -> None:
    """Prove that the stored columns (normalized features, calendar, sessions, regime, row
    selection) at or before random bars T do not change when the candles after T are removed or
    perturbed, that the fit reads the fit window only, and that another label spec leaves every
    feature unchanged. Exit 1 when any check fails."""
    from application.features.leakage import CheckLeakage, LeakageCase
    from application.features.ports import FeatureSetError
    from application.features.report import describe_leakage, leakage_payload

    inputs = _inputs(data_dir, pairs, fit_start, fit_end, start, end)
    candles = inputs.container.data().candle_store()
    check = CheckLeakage(inputs.container.features().calculator())
    cases: list[LeakageCase] = []
    chosen = inputs.pairs
    with _progress(not as_json, len(chosen)) as advance:
        for done, pair in enumerate(chosen):
            advance(pair.symbol, done, len(chosen))
            loaded = candles.load(pair, *inputs.span)
            if len(loaded) < 2:
                _fail(f"{pair}: fewer than 2 candles stored in the range", EXIT_USAGE)
            try:
                cases += check(pair, loaded, *inputs.fit, samples, seed).cases
            except FeatureSetError as exc:
                _fail(str(exc), EXIT_USAGE)
        advance("", len(chosen), len(chosen))
    payload = leakage_payload(cases, seed)
    if as_json:
        echo_json(payload)
    else:
        click.echo(describe_leakage(payload))
    if not payload["passed"]:
        sys.exit(EXIT_FAILURE)


def _progress(show: bool, total: int, console: Any = None) -> Any:
    """A bar over ``total`` pairs, known before the first is built (the bar draws before it)."""
    from contextlib import contextmanager

    from rich.console import Console
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    @contextmanager
    def bar() -> Any:
        columns = (TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total} pairs"),
                   TimeElapsedColumn())
        with Progress(*columns, disable=not show, console=console or Console(stderr=True)) as progress:
            task = progress.add_task("features", total=total)

            def advance(pair: str, done: int, total: int) -> None:
                progress.update(task, description=pair or "done", completed=done, total=total)

            yield advance

    return bar()
