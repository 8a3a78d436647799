"""`tradeai exec`: measure execution costs from real quotes, show them, roll back to an earlier day.
Exit codes: 0 ok, 1 failure (a bad quote file, a missing metrics file), 2 bad usage or settings."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import click

from entrypoints.cli.common import echo_json, fail, json_option, settings_from_context

if TYPE_CHECKING:
    from application.execution.measure import LiveFill
    from application.execution.ports import ExecutionMetrics
    from entrypoints.container import ExecutionContainer


def _container(ctx: click.Context, data_dir: Path | None, min_samples: int | None = None) -> ExecutionContainer:
    from entrypoints.container import build_container

    settings = settings_from_context(ctx).settings
    if data_dir is not None:
        settings = attrs.evolve(settings, candles=attrs.evolve(settings.candles, data_dir=str(data_dir)))
    if min_samples is not None:
        settings = attrs.evolve(settings, execution=attrs.evolve(settings.execution, min_samples=min_samples))
    return build_container(settings).execution()



def _data_dir_option(command: Any) -> Any:
    return click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
                        help="Folder of the metrics files (default: the DATA_DIR setting).")(command)


@click.group(name="exec")
def execution() -> None:
    """Execution costs: spread (and, once fills exist, slippage) per pair x session, measured from
    real best bid/ask. Exit codes: 0 ok, 1 failure, 2 bad usage."""


@execution.command()
@click.argument("sources", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@_data_dir_option
@click.option("--min-samples", type=click.IntRange(min=1),
              help="Fewer samples in a pair x session fall back to the pooled figures (default: EXEC_MIN_SAMPLES).")
@click.option("--risk-book", is_flag=True,
              help="Also measure slippage from the risk book's closed live fills (DATABASE_URL).")
@json_option
@click.pass_context
def measure(ctx: click.Context, sources: tuple[Path, ...], data_dir: Path | None, min_samples: int | None,
            risk_book: bool, as_json: bool) -> None:
    """Measure spreads from quote files (MT5 ticks or exports, Binance bookTicker, 1m bid/ask bars)
    and write DATA_DIR/execution_metrics_YYYY-MM-DD.json, the latest-link switched to it."""
    from application.execution.measure import measure_execution
    from application.execution.ports import QuoteFileError
    from domain.execution.instruments import Instruments

    container = _container(ctx, data_dir, min_samples)
    settings = container.settings()
    try:
        result = measure_execution([str(p) for p in sources], container.quote_reader(), container.metrics_store(),
                                   now=datetime.now(UTC), min_samples=settings.execution.min_samples,
                                   defaults=Instruments(), fills=_live_fills(container) if risk_book else ())
    except QuoteFileError as exc:
        fail(f"{exc}; nothing was written")
        return
    _report(result.metrics, as_json, {"path": str(result.path)}, f"wrote {result.path}", quantiles=False)


@execution.command()
@_data_dir_option
@json_option
@click.pass_context
def show(ctx: click.Context, data_dir: Path | None, as_json: bool) -> None:
    """Show the metrics the latest-link points at."""
    from application.execution.ports import MetricsFileError

    store = _container(ctx, data_dir).metrics_store()
    try:
        stored = store.latest()
    except MetricsFileError as exc:
        fail(str(exc))
        return
    if stored is None:
        fail("no execution metrics yet: the guard sizes with the placeholder costs; run `tradeai exec measure`")
        return
    files = ", ".join(p.name for p in store.files())
    _report(stored.metrics, as_json, {"path": str(stored.path)}, f"{stored.path} (files: {files})", quantiles=True)


@execution.command()
@click.argument("day")
@_data_dir_option
@json_option
@click.pass_context
def rollback(ctx: click.Context, day: str, data_dir: Path | None, as_json: bool) -> None:
    """Point the latest-link at DAY's metrics (YYYY-MM-DD, that day's last run; or YYYY-MM-DD_N)."""
    from application.execution.ports import MetricsFileError

    try:
        target = _container(ctx, data_dir).metrics_store().rollback(day)
    except MetricsFileError as exc:
        fail(str(exc))
        return
    if as_json:
        echo_json({"latest": str(target)})
    else:
        click.echo(f"execution_metrics.json -> {target.name}")


def _live_fills(container: ExecutionContainer) -> Sequence[LiveFill]:
    from adapters.sql.live_trades import LiveTradesError, read_live_fills
    from entrypoints.container import build_container

    try:
        return read_live_fills(build_container(container.settings()).store().upgraded_engine())
    except LiveTradesError as exc:
        fail(f"{exc}; nothing was written")


def _report(metrics: ExecutionMetrics, as_json: bool, head: dict[str, str], title: str, quantiles: bool) -> None:
    if not as_json:
        click.echo(title)
        _print(metrics)
        return
    from adapters.quotes.metrics_json import to_document

    doc = to_document(metrics)
    if not quantiles:  # measure's summary: the 101 quantiles per figure are in the file itself
        for sessions in doc["pairs"].values():
            for figures in sessions.values():
                for figure in figures.values():
                    figure.pop("quantiles")
    echo_json({**head, **doc})


def _print(metrics: ExecutionMetrics) -> None:
    model = metrics.model
    click.echo(f"measured {metrics.generated_at:%Y-%m-%d %H:%M} UTC from {len(metrics.sources)} file(s), "
               f"min samples {metrics.min_samples}")
    click.echo(f"{'pair':<5} {'session':<10} {'n':>8} {'spread p50':>10} {'p90':>8} {'p99':>8}  basis     "
               f"{'slip p90':>8}  basis")
    for (base, session), cost in sorted(model.costs.items()):
        s, sl = cost.spread, cost.slippage
        click.echo(f"{base:<5} {session:<10} {s.distribution.count:>8} {s.distribution.p50:>10.3f} "
                   f"{s.distribution.p90:>8.3f} {s.distribution.p99:>8.3f}  {s.basis:<8}  "
                   f"{sl.distribution.p90:>8.3f}  {sl.basis}")
    for note in metrics.notes:
        click.echo(f"note: {note}")
