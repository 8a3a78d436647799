"""`tradeai report`: a backtest's report a person reads (report.html, its PNGs, metrics.json), from
the trades.parquet and summary.json `tradeai backtest` wrote."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from entrypoints.cli.common import EXIT_FAILURE, EXIT_USAGE, fail, settings_from_context

if TYPE_CHECKING:
    from entrypoints.container import Container
    from entrypoints.settings import Settings



@click.command()
@click.argument("trades", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for report.html, its PNGs and metrics.json. Default: report/ beside TRADES.")
@click.option("--replay", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Candle CSV file or folder (repeatable) to mark the equity to market. Default: "
                   "candles.replay_paths; without the run's candles the equity is rebuilt from closed trades.")
@click.option("--json", "as_json", is_flag=True, help="Print metrics.json on stdout.")
@click.pass_context
def report(ctx: click.Context, trades: Path, out: Path | None, replay: tuple[Path, ...], as_json: bool) -> None:
    """Evaluate the backtest whose TRADES.parquet (and the summary.json beside it) are given and
    write its report: the gates' verdict, the baselines, equity with the FTMO floors, drawdown,
    calibration, sessions, tiers. Exit 0 done, 1 failed, 2 bad input."""
    from application.backtest.outcomes import label_directions
    from entrypoints.backtest_input import BadBacktestFiles, challenge_from, comparison_from, read_backtest
    from entrypoints.backtest_report import write_backtest_report
    from entrypoints.container import build_container
    from entrypoints.logging_setup import configure_logging
    from entrypoints.runtime_main import secrets_of

    settings = settings_from_context(ctx).settings
    configure_logging(level=settings.log.level, fmt=settings.log.format, mode=settings.mode,
                      secrets=secrets_of(settings), stream=sys.stderr)  # stdout carries metrics.json with --json
    try:
        files = read_backtest(trades)
        comparison, challenge = comparison_from(files.summary), challenge_from(files.summary)
    except BadBacktestFiles as exc:
        fail(str(exc), EXIT_USAGE)
    root = build_container(settings)
    candles, note = _candles(root, settings, replay, files.run)
    result = files.result if files.labelled or candles is None else label_directions(files.result, candles)
    folder = out or trades.parent / "report"
    try:
        written = write_backtest_report(root, settings, result, files.run, folder, candles=candles,
                                        candles_note=note, comparison=comparison, challenge=challenge)
    except ImportError as exc:  # the report extra (matplotlib) is not installed
        fail(str(exc), EXIT_FAILURE)
    except OSError as exc:
        fail(f"cannot write the report to {folder}: {exc}", EXIT_FAILURE)
    text = written.metrics.read_text()
    if as_json:
        click.echo(text, nl=False)
    else:
        click.echo(_describe(json.loads(text), written.html))


def _describe(metrics: Mapping[str, Any], html: Path) -> str:
    failing, not_run = metrics["failing_gates"], metrics["gates_not_run"]
    verdict = f"fails {', '.join(failing)}" if failing else "no gate that ran fails"
    return (f"report written to {html}\n  {metrics['trades']} trades; {verdict}"
            + (f"; not run: {', '.join(not_run)}" if not_run else "")
            + f"\n  equity {metrics['run']['equity']['text']}")


def _candles(root: Container, settings: Settings, replay: tuple[Path, ...],
             run: Mapping[str, Any]) -> tuple[Mapping[Any, Any] | None, str | None]:
    """The run's candles, or None and why not (the report then rebuilds equity from closed trades)."""
    from application.data.ports import DataError
    from domain.market.candles import Pair, datetime_to_ms

    paths = list(replay) or [Path(p) for p in settings.candles.replay_paths]
    missing = [str(p) for p in paths if not p.exists()]
    if missing or not paths:
        return None, f"no candle files at {', '.join(missing) or 'candles.replay_paths'}"
    try:
        pairs = [Pair.parse(p) for p in run["pairs"]]
        candles = root.backtest().candle_loader()(paths, pairs)
    except (DataError, ValueError) as exc:
        return None, f"the candle files could not be read: {exc}"
    lo, hi = (datetime_to_ms(datetime.fromisoformat(run[key])) for key in ("start", "end"))
    absent = [p.symbol for p in pairs if not _covers(candles.get(p), lo, hi)]
    if absent:
        return None, f"no {', '.join(absent)} candles over the run under {', '.join(map(str, paths))}"
    return candles, None


def _covers(series: Any, lo: int, hi: int) -> bool:
    """The series holds candles inside [lo, hi) (a loader returns an empty series for a pair it did not find)."""
    if series is None or not len(series):
        return False
    times = series.open_time_ms
    return bool(times[-1] >= lo and times[0] < hi)
