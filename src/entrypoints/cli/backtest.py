"""`tradeai backtest`: the runtime's rules over history, fast (application.backtest)."""

from __future__ import annotations

import sys
import time
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import click

from entrypoints.cli.common import (
    EXIT_FAILURE,
    EXIT_USAGE,
    UTC_TIME,
    echo_json,
    pairs_option,
    revalidated,
    scheduler_options,
    settings_from_context,
    with_progress,
)
from entrypoints.settings import LoadedSettings, Settings
from entrypoints.settings.schema import PredictorSettings

PROMOTED = "promoted"


def chosen_predictor(current: PredictorSettings, choice: str | None) -> PredictorSettings:
    """--predictor: a baseline by name, ``promoted`` (the registry's promoted models) or registry
    tags (``v1.0.0`` or ``v1.0.0,v1.0.2``: one model per role, ensembled)."""
    if not choice:
        return current
    if choice == "baseline":
        return attrs.evolve(current, name="baseline")
    if choice == "random":
        return attrs.evolve(current, name="random")
    from domain.models.semver import normalise_tag

    try:
        tags = () if choice == PROMOTED else tuple(normalise_tag(t.strip()) for t in choice.split(",") if t.strip())
    except ValueError as exc:
        raise click.BadParameter(f"{choice!r}: baseline, random, promoted or registry tags ({exc})",
                                 param_hint="--predictor") from None
    return attrs.evolve(current, name="torch", tags=tags)


def _settings(loaded: LoadedSettings, pairs: str | None, predictor: str | None, seed: int | None) -> Settings:
    settings = loaded.settings
    chosen_predictor_settings = chosen_predictor(settings.predictor, predictor)
    updated = attrs.evolve(settings, pairs=pairs_option(pairs, settings.pairs),
                           seed=settings.seed if seed is None else seed, predictor=chosen_predictor_settings)
    return revalidated(loaded, updated)


@click.command()
@click.option("--pairs", help="Comma-separated pairs, e.g. BTCUSDT,ETHUSDT. Default: the pairs setting.")
@click.option("--start", type=UTC_TIME, required=True, help="Market time to start (ISO, UTC).")
@click.option("--end", type=UTC_TIME, required=True, help="Market time to end, included (ISO, UTC).")
@click.option("--predictor", metavar="baseline|random|promoted|TAG[,TAG]",
              help="Predictor: baseline (momentum), random (a coin toss per bar at the LOW tier, seeded by --seed), "
                   "promoted (the registry's promoted models) or registry tags, e.g. v1.0.0 or v1.0.0,v1.0.3 (one "
                   "model per role, ensembled). Default: the predictor setting.")
@click.option("--seed", type=int, help="Seed of the run (recorded). Default: the seed setting.")
@click.option("--replay", multiple=True, type=click.Path(exists=True, path_type=Path),
              help="Candle CSV file or folder (repeatable). Default: candles.replay_paths.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Folder for trades.parquet, summary.json, summary.txt. Default: <data_dir>/backtests/<run>.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Also run the baselines and FTMO challenges and write report.html, its PNGs, metrics.json "
                   "and challenge.json into this folder (needs the report extra: matplotlib).")
@click.option("--json", "as_json", is_flag=True, help="Print the JSON summary on stdout.")
@scheduler_options
@click.pass_context
def backtest(ctx: click.Context, pairs: str | None, start: datetime, end: datetime, predictor: str | None,
             seed: int | None, replay: tuple[Path, ...], out: Path | None, report_dir: Path | None,
             as_json: bool, scheduler: str | None, local_workers: int | None) -> None:
    """Backtest the runtime's rules (predictor, tiers with hysteresis, the FTMO guard, paper exits
    and costs) from --start to --end. With --local N or --scheduler ADDRESS each pair's bulk scoring
    runs on a Dask worker that reads the candle files by path; the account's pass stays here, so the
    trades are the single-process ones. Exit 0 done, 1 failed, 2 bad input."""
    import structlog

    from application.backtest.baselines import EngineInputs, run_backtest
    from application.backtest.engine import BacktestConfig
    from application.backtest.outcomes import label_directions
    from application.backtest.trades import summarise
    from domain.market.candles import Pair
    from entrypoints.backtest_output import describe, write_outputs
    from entrypoints.container import build_container
    from entrypoints.dask_runs import task_runner
    from entrypoints.execution_costs import announce_costs, costs_summary
    from entrypoints.logging_setup import configure_logging
    from entrypoints.runtime_main import default_controls, scan_config, secrets_of
    from entrypoints.seeding import seed_everything

    settings = _settings(settings_from_context(ctx), pairs, predictor, seed)
    if start >= end:
        raise click.BadParameter(f"--start {start:%Y-%m-%d %H:%M} must be before --end {end:%Y-%m-%d %H:%M}",
                                 param_hint="--start")
    # logs go to stderr: stdout carries the summary, JSON with --json
    configure_logging(level=settings.log.level, fmt=settings.log.format, mode=settings.mode,
                      secrets=secrets_of(settings), stream=sys.stderr)
    seed_everything(settings.seed)
    chosen = [Pair.parse(p) for p in settings.pairs]
    root = build_container(settings)
    container = root.backtest()
    loaded = root.execution().loaded()
    announce_costs(loaded, structlog.get_logger("backtest"))  # on stderr, with the logs
    paths = _replay_paths(settings, replay)
    candles = _candles(container, paths, chosen, start, end)
    config = BacktestConfig(scan_config(settings), default_controls(settings),
                            latency_budget_ms=settings.backtest.latency_budget_ms)
    began = time.perf_counter()
    scorer = _predictor(container, settings)
    with task_runner(scheduler, local_workers) as runner:
        inputs = EngineInputs(container.costs(), container.broker_for(), config, container.timer(), candles, start,
                              end, _scoring(runner, container, paths))
        result = with_progress("backtest", "scans", lambda progress: run_backtest(scorer, inputs, progress),
                               show=not as_json)
        result = label_directions(result, candles)  # was each call's direction right over its horizon?
        summary: dict[str, Any] = {
            "run": {"pairs": list(settings.pairs), "start": start.isoformat(), "end": end.isoformat(),
                    "predictor": scorer.version, "seed": settings.seed,
                    "initial_balance": settings.risk.initial_balance,
                    "latency_budget_ms": settings.backtest.latency_budget_ms,
                    "costs": costs_summary(loaded, settings.seed)},
            **summarise(result, settings.risk.initial_balance),
            "seconds": round(time.perf_counter() - began, 3),
        }
        # the report first (it adds the baselines and challenges to the summary); the trades are written whatever
        # it does
        failed = _report(root, settings, inputs, result, summary, report_dir) if report_dir else None
    folder = out or Path(settings.candles.data_dir) / "backtests" / _run_name(settings, start, end)
    try:
        summary["files"] = write_outputs(folder, result, summary)
    except OSError as exc:
        click.echo(f"error: cannot write the backtest to {folder}: {exc}", err=True)
        sys.exit(EXIT_FAILURE)
    if as_json:
        echo_json(summary)
    else:
        click.echo(describe(summary))
        click.echo(f"  written to {folder}")
    if failed:
        click.echo(f"error: {failed}", err=True)
        sys.exit(EXIT_FAILURE)


def _predictor(container: Any, settings: Settings) -> Any:
    """The predictor scored in bulk; trained models that cannot serve are bad input (exit 2)."""
    if settings.predictor.name != "torch":
        return container.predictor()
    from entrypoints.model_serving import ServingError

    try:
        return container.predictor()
    except ServingError as exc:
        click.echo(f"error: --predictor: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def _report(root: Any, settings: Settings, inputs: Any, result: Any, summary: dict[str, Any],
            folder: Path) -> str | None:
    """Write the report into ``folder``; what went wrong, or None."""
    from entrypoints.backtest_report import report_run

    try:
        written = report_run(root, settings, inputs, result, summary, folder)
    except ImportError as exc:  # the report extra (matplotlib) is not installed
        return str(exc)
    except OSError as exc:
        return f"cannot write the report to {folder}: {exc}"
    summary["report"] = {"html": str(written.html), "metrics": str(written.metrics)}
    return None


def _scoring(runner: Any, container: Any, paths: list[Path]) -> Any:
    """Here, or on the runner's workers reading the candle files by path (their absolute paths)."""
    from application.backtest.scoring import InProcessScoring, PieceScoring
    from application.tasks import SerialRunner
    from entrypoints.candle_paths import CandleFilesReader

    if isinstance(runner, SerialRunner):
        return InProcessScoring()
    return PieceScoring(runner, CandleFilesReader(tuple(str(p.resolve()) for p in paths), container.candle_loader()))


def _replay_paths(settings: Settings, replay: tuple[Path, ...]) -> list[Path]:
    return list(replay) or [Path(p) for p in settings.candles.replay_paths]


def _candles(container: Any, paths: list[Path], pairs: list[Any], start: datetime,
             end: datetime) -> Mapping[Any, Any]:
    from application.data.ports import DataError
    from domain.market.candles import datetime_to_ms

    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        _usage(f"candle path {', '.join(missing)} does not exist (give --replay or set candles.replay_paths)")
    try:
        candles = container.candle_loader()(paths, pairs)
    except DataError as exc:
        click.echo(f"error: cannot read the candle files: {exc}", err=True)
        sys.exit(EXIT_FAILURE)
    lo, hi = datetime_to_ms(start), datetime_to_ms(end)
    for pair in pairs:
        found = candles.get(pair)
        if found is None:
            _usage(f"no candle file for {pair} under {', '.join(str(p) for p in paths)}")
        times = found.open_time_ms
        if not len(times) or times[-1] < lo or times[0] >= hi:
            held = "none" if not len(times) else (f"{_ms(int(times[0]))} to {_ms(int(times[-1]))}")
            _usage(f"no {pair} candles between {start:%Y-%m-%d %H:%M} and {end:%Y-%m-%d %H:%M} UTC "
                   f"(the files hold {held})")
    return dict(candles)


def _run_name(settings: Settings, start: datetime, end: datetime) -> str:
    return f"{start:%Y%m%dT%H%M}-{end:%Y%m%dT%H%M}-{'-'.join(settings.pairs)}-seed{settings.seed}"


def _ms(ms: int) -> str:
    from domain.market.candles import ms_to_datetime

    return f"{ms_to_datetime(ms):%Y-%m-%d %H:%M}"


def _usage(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)
