"""`tradeai research rl`: a PPO agent trading one pair over the feature store through the FTMO
guard and the execution costs; train, evaluate (3 seeds, the verdict) and admit (the ensemble's
gate). Needs the ``research`` extra (gymnasium, stable-baselines3), imported only when a command
runs. Exit codes: 0 ok, 1 failure (admit: refused), 2 bad usage or bad input."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from entrypoints.cli.common import EXIT_FAILURE, EXIT_USAGE, UTC_TIME, echo_json, fail, json_option, with_progress

INTERVAL_HELP = "Minutes between decisions: the feature rows on this grid are the agent's bars."


def _common(command: Callable[..., Any]) -> Callable[..., Any]:
    options: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
        click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="DATA_DIR",
                     default="data", show_default=True, help="Data folder: candles and feature sets (env DATA_DIR)."),
        click.option("--features", "feature_set", required=True, help="Feature set name (`tradeai features list`)."),
        click.option("--pair", default="BTCUSDT", show_default=True, help="The pair traded."),
        click.option("--interval", type=click.IntRange(min=1), default=15, show_default=True, help=INTERVAL_HELP),
        click.option("--train-start", type=UTC_TIME, required=True, help="First training bar (ISO, UTC)."),
        click.option("--train-end", type=UTC_TIME, required=True, help="Training bars end before this (ISO, UTC)."),
        click.option("--timesteps", type=click.IntRange(min=64), default=20_000, show_default=True,
                     help="PPO environment steps per seed."),
        click.option("--episode-bars", type=click.IntRange(min=1), default=96, show_default=True,
                     help="Steps per training episode (96 x 15 min: a day)."),
        click.option("--n-steps", type=click.IntRange(min=8), default=512, show_default=True,
                     help="PPO rollout length (a multiple of 64, the batch size, or smaller: then one batch)."),
        click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True,
                     help="Folder for the models, reward curves (CSV, PNG) and the verdict."),
        json_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group()
def rl() -> None:
    """PPO agent: buy / sell / hold one pair on the feature store's bars, every opening through the
    FTMO guard, rewards net of costs. A research command: the agent joins the ensemble (weight 0.25)
    only with a passing verdict from `evaluate` (see `admit`)."""


@rl.command()
@_common
@click.option("--seed", type=int, default=0, show_default=True)
@click.pass_context
def train(ctx: click.Context, data_dir: Path, feature_set: str, pair: str, interval: int, train_start: datetime,
          train_end: datetime, timesteps: int, episode_bars: int, n_steps: int, out: Path, as_json: bool,
          seed: int) -> None:
    """Train one seed on the training period; write its model, reward curve (CSV, PNG) and summary."""
    from entrypoints import research_rl_run as run

    _require_extra()
    market = _tape(data_dir, feature_set, pair, interval)
    periods = _periods(train_start, train_end, None, None)
    train_tape = _period(market.tape, periods.train_start, periods.train_end, "training")
    settings = _settings(timesteps, seed, episode_bars, n_steps)
    config, _, _ = _config(ctx, data_dir, pair)
    agent = with_progress(f"PPO seed {seed}", "steps",
                          lambda progress: run.train_seed(train_tape, config, settings, out, progress), not as_json)
    first, last = _quarters(agent.curve)
    summary = {"pair": pair, "feature_set": feature_set, "interval_minutes": interval, "seed": seed,
               "timesteps": timesteps, "train_bars": len(train_tape), "episodes": len(agent.curve),
               "first_quarter_mean_reward": first, "last_quarter_mean_reward": last,
               "model": str(out / f"ppo_seed{seed}.zip"), "curve": str(out / f"curve_seed{seed}.csv")}
    _finish(summary, as_json, f"seed {seed}: {len(agent.curve)} episodes, mean episode reward {first:.3f} % "
                              f"(first quarter) -> {last:.3f} % (last quarter); model {summary['model']}")


@rl.command()
@_common
@click.option("--test-start", type=UTC_TIME, required=True, help="First out-of-sample bar (ISO, UTC), after training.")
@click.option("--test-end", type=UTC_TIME,
              help="Out-of-sample bars end before this (ISO, UTC). Default: the set's end.")
@click.option("--seeds", default="0,1,2", show_default=True, help="Comma-separated seeds, one agent each.")
@click.option("--supervised", metavar="baseline|random|promoted|TAG[,TAG]", default="baseline",
              show_default=True,
              help="The supervised predictor the agent must beat, chosen as `tradeai backtest --predictor`: the "
                   "momentum baseline, the registry's promoted models or registry tags (ensembled).")
@click.pass_context
def evaluate(ctx: click.Context, data_dir: Path, feature_set: str, pair: str, interval: int, train_start: datetime,
             train_end: datetime, timesteps: int, episode_bars: int, n_steps: int, out: Path, as_json: bool,
             test_start: datetime, test_end: datetime | None, seeds: str, supervised: str) -> None:
    """Train every seed; run each agent (served as a predictor), the supervised predictor and a policy
    that never trades through the backtest engine over the test period with the same costs, as
    `tradeai backtest` runs them, and walk them over the period's tape (a second view); write the
    verdict (verdict.json): stable curves and a better engine return than the supervised predictor
    and staying flat, or the reasons it fails. Exit 0 whatever the verdict."""
    from entrypoints import research_rl_run as run

    chosen = _seeds(seeds)
    _require_extra()
    market = _tape(data_dir, feature_set, pair, interval)
    periods = _periods(train_start, train_end, test_start, test_end)
    train_tape = _period(market.tape, periods.train_start, periods.train_end, "training")
    test_tape = _period(market.tape, test_start, test_end, "test")
    settings = [_settings(timesteps, seed, episode_bars, n_steps) for seed in chosen]
    config, predictor, engine = _config(ctx, data_dir, pair, supervised, (market, test_tape))
    out.mkdir(parents=True, exist_ok=True)
    evaluation = with_progress(f"PPO {len(chosen)} seeds", "steps", lambda progress: run.evaluate(
        train_tape, test_tape, market.candles, predictor, config, settings, out, progress, engine), not as_json)
    verdict, figures = evaluation.verdict, evaluation.as_dict()
    summary = {"pair": pair, "feature_set": feature_set, "interval_minutes": interval, "seeds": chosen,
               "timesteps": timesteps, "train": [str(train_start), str(train_end)],
               "test": [str(test_start), str(test_end) if test_end else None], "train_bars": len(train_tape),
               "test_bars": len(test_tape), "engine_period": [str(engine.inputs.start), str(engine.inputs.end)],
               "confidence": engine.confidence, "passed": verdict.passed, "stable": verdict.stable,
               "beats_supervised": verdict.beats_supervised, "supervised": verdict.supervised,
               "reasons": list(verdict.reasons), "out_of_sample": figures["engine"], "walk": figures["walk"],
               "curves": {s.seed: dict(zip(("first_quarter", "last_quarter"), s.quarter_means(), strict=True))
                          for s in verdict.seeds},
               "verdict": str(out / "verdict.json")}
    _finish(summary, as_json, "\n".join([*_lines(figures), _conclusion(verdict), f"verdict: {summary['verdict']}"]))


def _lines(figures: dict[str, Any]) -> list[str]:
    engine = [f"  {name}: net P/L {f['net_pnl']:+,.2f} ({f['return_pct']:+.3f} %), {f['trades']} trades, win rate "
              f"{'-' if f['win_rate'] is None else format(f['win_rate'], '.1%')}, final balance "
              f"{f['final_balance']:,.2f}" for name, f in figures["engine"].items()]
    walk = [f"  {name}: return {w['return_pct']:+.3f} %, {w['trades']} trades, {w['denied']} openings denied, "
            f"max drawdown {w['max_drawdown_pct']:.2f} %" for name, w in figures["walk"].items()]
    return ["backtest engine (the verdict's measure):", *engine, "tape walk (second view, not judged):", *walk]


def _conclusion(verdict: Any) -> str:
    return "PASS: the RL member may enter the ensemble at weight 0.25" if verdict.passed else (
        "FAIL: the RL member stays a research command:\n  - " + "\n  - ".join(verdict.reasons))


@rl.command()
@click.option("--verdict", "verdict_path", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="verdict.json written by `tradeai research rl evaluate`.")
@json_option
def admit(verdict_path: Path, as_json: bool) -> None:
    """May the RL member enter the ensemble (weight 0.25)? Exit 0 yes, 1 refused (reasons on stderr),
    2 when the file is not a verdict. A missing file is a refusal: no verdict, no member."""
    from application.research.rl_verdict import RL_WEIGHT, admission
    from entrypoints.research_rl_run import read_verdict

    try:
        verdict = read_verdict(verdict_path)
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    decision = admission(verdict)
    reasons = [r.message for r in decision.reasons]
    if as_json:
        echo_json({"admitted": decision.allowed, "weight": RL_WEIGHT if decision.allowed else 0.0,
                   "reasons": reasons, "verdict": str(verdict_path)})
    elif decision.allowed:
        click.echo(f"admitted: the RL member may enter the ensemble at weight {RL_WEIGHT}")
    if not decision.allowed:
        fail("the RL member is refused: " + "; ".join(reasons), EXIT_FAILURE)


def _require_extra() -> None:
    from importlib.util import find_spec

    missing = [name for name in ("gymnasium", "stable_baselines3") if find_spec(name) is None]
    if missing:
        fail(f"{', '.join(missing)} not installed: install the research extra (pip install -e '.[research]')",
             EXIT_FAILURE)


def _tape(data_dir: Path, feature_set: str, pair: str, interval: int) -> Any:
    """The tape, its candles and the pair's stored rows (research_rl_run.Market)."""
    from application.research.tape import TapeError
    from domain.market.candles import Pair
    from entrypoints import research_rl_run as run

    try:
        return run.load_tape(data_dir, feature_set, Pair.parse(pair), interval)
    except (TapeError, ValueError) as exc:
        fail(str(exc), EXIT_USAGE)


def _period(tape: Any, start: datetime | None, end: datetime | None, name: str) -> Any:
    from application.research.tape import TapeError
    from entrypoints import research_rl_run as run

    try:
        return run.period(tape, start, end, name)
    except TapeError as exc:
        fail(str(exc), EXIT_USAGE)


def _periods(train_start: datetime, train_end: datetime, test_start: datetime | None,
             test_end: datetime | None) -> Any:
    from entrypoints.research_rl_run import Periods

    try:
        return Periods(train_start, train_end, test_start, test_end)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _settings(timesteps: int, seed: int, episode_bars: int, n_steps: int) -> Any:
    from adapters.research.ppo import PpoSettings

    try:
        return PpoSettings(timesteps=timesteps, seed=seed, episode_bars=episode_bars, n_steps=n_steps,
                           batch_size=min(64, n_steps))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


def _config(ctx: click.Context, data_dir: Path, pair: str, supervised: str | None = None,
            test: tuple[Any, Any] | None = None) -> tuple[Any, Any, Any]:
    """The runtime's guard settings (risk, sizing, rate limits, backoff), the costs the backtest
    sizes with (measured p90s when a metrics file is there, the placeholders otherwise), the
    supervised predictor chosen as `tradeai backtest --predictor` chooses it and, given the
    market and the test tape, the engine run of the test period (None when not asked)."""
    import attrs

    from application.research.trading import TradingConfig
    from entrypoints.cli.backtest import chosen_predictor
    from entrypoints.cli.common import revalidated, settings_from_context
    from entrypoints.container import build_container
    from entrypoints.logging_setup import configure_logging
    from entrypoints.runtime_main import secrets_of
    from entrypoints.settings.domain_config import emission_config

    loaded = settings_from_context(ctx)
    settings = attrs.evolve(loaded.settings, candles=attrs.evolve(loaded.settings.candles, data_dir=str(data_dir)),
                            pairs=(pair,))
    # logs (the serving's notices) go to stderr: stdout carries the summary, JSON with --json
    configure_logging(level=settings.log.level, fmt=settings.log.format, mode=settings.mode,
                      secrets=secrets_of(settings), stream=sys.stderr)
    if supervised is not None:
        choice = chosen_predictor(settings.predictor, supervised)
        settings = revalidated(loaded, attrs.evolve(settings, predictor=choice))
    container = build_container(settings).backtest()
    emission = attrs.evolve(emission_config(settings), instruments=container.costs().instruments())
    config = TradingConfig(emission=emission, initial_balance=settings.risk.initial_balance)
    predictor = None if supervised is None else _predictor(container)
    return config, predictor, None if test is None else _engine(settings, container, *test)


def _engine(settings: Any, container: Any, market: Any, test_tape: Any) -> Any:
    """The engine backtest as `tradeai backtest` builds it (scan config, controls, costs, paper broker,
    timer), on the stored candles, over the test tape's span: from its first decision bar to the
    close of its last, where the agent has observations."""
    from application.backtest.baselines import EngineInputs
    from application.backtest.engine import BacktestConfig
    from domain.market.candles import MINUTE_MS, ms_to_datetime
    from entrypoints.research_rl_run import EngineRun
    from entrypoints.runtime_main import default_controls, scan_config

    if market.rows is None:
        fail(f"the feature set holds no rows for {test_tape.pair}", EXIT_USAGE)
    config = BacktestConfig(scan_config(settings), default_controls(settings),
                            latency_budget_ms=settings.backtest.latency_budget_ms)
    start = ms_to_datetime(int(test_tape.open_time_ms[0]))
    end = ms_to_datetime(int(test_tape.open_time_ms[-1]) + MINUTE_MS)
    inputs = EngineInputs(container.costs(), container.broker_for(), config, container.timer(),
                          {test_tape.pair: market.candles}, start, end)
    # the HIGH threshold: the pattern shift (at most max_shift down) still leaves each BUY and SELL at a tier
    return EngineRun(inputs, market.rows, settings.signals.tier_high)


def _predictor(container: Any) -> Any:
    """Trained models that cannot serve are bad input (exit 2), as in `tradeai backtest`."""
    from entrypoints.model_serving import ServingError

    try:
        return container.predictor()
    except ServingError as exc:
        fail(f"--supervised: {exc}", EXIT_USAGE)


def _seeds(text: str) -> list[int]:
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise click.BadParameter(f"{text!r}: comma-separated integers", param_hint="--seeds") from None
    if not seeds or len(set(seeds)) != len(seeds):
        raise click.BadParameter(f"{text!r}: one or more distinct seeds", param_hint="--seeds")
    return seeds


def _quarters(curve: Any) -> tuple[float, float]:
    from application.research.rl_verdict import SeedRun

    return SeedRun(0, tuple(curve), 0.0).quarter_means()


def _finish(summary: dict[str, Any], as_json: bool, text: str) -> None:
    if as_json:
        echo_json(summary)
    else:
        click.echo(text)
