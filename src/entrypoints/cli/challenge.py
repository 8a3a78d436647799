"""`tradeai challenge simulate`: FTMO challenges over a backtest's trades (application.challenge).
Exit codes: 0 done (whatever the gate says: the verdict is in the output), 1 failed (the report
could not be written), 2 bad input (a missing or unusable trades file, bad options or settings)."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn

import attrs
import click

from entrypoints.cli.common import (
    EXIT_FAILURE,
    EXIT_USAGE,
    echo_json,
    revalidated,
    scheduler_options,
    settings_from_context,
    with_progress,
)

if TYPE_CHECKING:
    from application.challenge import ChallengeRequest
    from entrypoints.settings import LoadedSettings

Ruleset = Literal["2-step", "1-step"]
# attempts x trades above which a progress bar is worth showing (a few seconds of work)
_LONG = 20_000_000


@click.group()
def challenge() -> None:
    """FTMO challenge simulations over a backtest's trades."""


@challenge.command()
@click.option("--trades", "trades_path", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="trades.parquet written by `tradeai backtest`.")
@click.option("--attempts", type=click.IntRange(min=1), default=20, show_default=True,
              help="Attempts to simulate (historical mode: at most one per day of the period).")
@click.option("--ruleset", type=click.Choice(["2-step", "1-step"]), help="Default: the risk.ruleset setting.")
@click.option("--mode", type=click.Choice(["historical", "monte-carlo"]), default="historical", show_default=True,
              help="historical: attempts start on successive Prague days, trades as they happened; "
                   "monte-carlo: a bootstrap of whole Prague days of trades.")
@click.option("--days", type=click.IntRange(min=1),
              help="Monte Carlo: Prague days per attempt. Default: the backtest period's length.")
@click.option("--seed", type=int, help="Seed of the Monte Carlo draws (recorded). Default: the seed setting.")
@click.option("--account-size", type=click.FloatRange(min=0, min_open=True),
              help="Challenge account size. Default: the risk.initial_balance setting.")
@click.option("--backtest-balance", type=click.FloatRange(min=0, min_open=True),
              help="The backtest's initial balance. Default: read from the summary.json beside the trades, "
                   "else the risk.initial_balance setting.")
@click.option("--risk-pct", type=click.FloatRange(min=0, max=100, min_open=True),
              help="Re-size every trade to risk this % of the account (P/L = R x risk) instead of keeping "
                   "the backtest's sizes.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path),
              help="Folder to write challenge.json into.")
@scheduler_options
@click.pass_context
def simulate(ctx: click.Context, trades_path: Path, attempts: int, ruleset: Ruleset | None, mode: str, days: int | None,
             seed: int | None, account_size: float | None, backtest_balance: float | None, risk_pct: float | None,
             as_json: bool, report_dir: Path | None, scheduler: str | None, local_workers: int | None) -> None:
    """Run FTMO challenge attempts over the trades of a backtest with the guard's own rules and
    report the pass rate (Wilson 95 % interval), days to pass, the breach log, the final equity's
    spread and the plan's challenge gate. With --local N or --scheduler ADDRESS the attempts run in
    chunks on Dask workers, with the same result as here for the same seed."""
    from application.challenge import simulate_challenges
    from entrypoints.challenge_files import TradesFileError, describe, read_trades
    from entrypoints.dask_runs import task_runner

    loaded = settings_from_context(ctx)
    try:
        rows = read_trades(trades_path)
    except TradesFileError as exc:
        _usage(str(exc))
    request = _request(loaded, trades_path, attempts=attempts, ruleset=ruleset, mode=mode, days=days, seed=seed,
                       account_size=account_size, backtest_balance=backtest_balance, risk_pct=risk_pct)
    began = time.perf_counter()
    try:
        with task_runner(scheduler, local_workers) as runner:
            report = with_progress("challenges", "",
                                   lambda progress: simulate_challenges(rows, request, progress, runner),
                                   show=not as_json and attempts * len(rows) > _LONG)
    except ValueError as exc:  # trades the domain refuses (no 1R to size by, ...)
        _usage(str(exc))
    out = {**report.as_dict(), "seconds": round(time.perf_counter() - began, 3)}
    if report_dir is not None:
        out["files"] = _write(report_dir, report)
    if as_json:
        echo_json(out)
    else:
        click.echo(describe(out))
        for path in out.get("files", {}).values():
            click.echo(f"  written: {path}")


def _request(loaded: LoadedSettings, trades_path: Path, *, attempts: int, ruleset: Ruleset | None, mode: str,
             days: int | None, seed: int | None, account_size: float | None, backtest_balance: float | None,
             risk_pct: float | None) -> ChallengeRequest:
    from application.challenge import ChallengeRequest, Mode
    from domain.challenge import Scaling
    from entrypoints.challenge_files import backtest_balance as balance_in
    from entrypoints.challenge_files import backtest_summary, period_of
    from entrypoints.settings.domain_config import gates, risk_settings

    settings = loaded.settings
    if ruleset is not None:
        settings = revalidated(loaded, attrs.evolve(settings, risk=attrs.evolve(settings.risk, ruleset=ruleset)))
    summary = backtest_summary(trades_path)
    size = account_size or settings.risk.initial_balance
    inferred = balance_in(summary)
    balance, source = ((backtest_balance, "--backtest-balance") if backtest_balance else
                       (inferred, "summary.json beside the trades (final balance less P/L)") if inferred else
                       (settings.risk.initial_balance, "the risk.initial_balance setting"))
    return ChallengeRequest(mode=Mode(mode), attempts=attempts, risk=risk_settings(settings),
                            scaling=Scaling(balance, size, risk_pct), seed=settings.seed if seed is None else seed,
                            gate=gates(settings).challenge, days=days, period=period_of(summary),
                            notes=(f"backtest initial balance {balance:,.2f} from {source}",))


def _write(folder: Path, report: Any) -> dict[str, str]:
    from entrypoints.challenge_files import report_writers

    written: dict[str, str] = {}
    try:
        for writer in report_writers():
            written.update(writer.write(folder, report))
    except OSError as exc:
        click.echo(f"error: cannot write the report to {folder}: {exc}", err=True)
        sys.exit(EXIT_FAILURE)
    return written


def _usage(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(EXIT_USAGE)
