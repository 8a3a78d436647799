"""`tradeai research rl`: the runs behind the commands. A tape from the stored feature set and
candles; PPO trained per seed on the training period, its reward curve written as CSV and PNG;
each seed's agent, the supervised predictor and a policy that never trades run through the
backtest engine over the later test period with the same costs (the verdict's measure), and
walked over the same period's tape with the same guard (a second view); the verdict written as
JSON (the file `rl admit` reads)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import cattrs
import numpy as np
import numpy.typing as npt

from application.backtest.baselines import EngineInputs
from application.backtest.ports import BulkPredictor
from application.features.ports import PairFeatures
from application.research.engine_view import EngineFigures, engine_figures
from application.research.policy_predictor import Actions, PolicyPredictor
from application.research.rl_verdict import SeedRun, Verdict, judge
from application.research.tape import Tape, TapeError, tape_for
from application.research.trading import TradingConfig
from application.research.walk import WalkResult, directions_at, following, walk
from domain.market.candles import MINUTE_MS, Pair, datetime_to_ms
from domain.market.quality import Ohlcv

Progress = Callable[[int, int], None]
_json = cattrs.Converter()  # this boundary's own converter: the verdict file


@attrs.frozen
class Periods:
    train_start: datetime
    train_end: datetime
    test_start: datetime | None = None
    test_end: datetime | None = None

    def __attrs_post_init__(self) -> None:
        if self.train_end <= self.train_start:
            raise ValueError("--train-end must be after --train-start")
        if self.test_start is not None and self.test_start < self.train_end:
            raise ValueError("--test-start must not be before --train-end: the test period must be unseen")
        if self.test_start is not None and self.test_end is not None and self.test_end <= self.test_start:
            raise ValueError("--test-end must be after --test-start")


@attrs.frozen(eq=False)
class Market:
    tape: Tape
    candles: Ohlcv
    rows: PairFeatures | None  # the pair's stored feature rows (None: the set holds none)


@attrs.frozen(eq=False)
class EngineRun:
    """The engine backtest of the test period: its inputs (everything but the predictor, as
    ``tradeai backtest`` builds them) and the PPO policies' serving: the pair's stored feature rows
    and the one confidence every BUY and SELL is given."""

    inputs: EngineInputs
    rows: PairFeatures
    confidence: float

    def served(self, name: str, actions: Actions, config: TradingConfig, interval: int) -> PolicyPredictor:
        return PolicyPredictor(self.rows, actions, self.confidence, name, interval, config)


def load_tape(data_dir: Path, feature_set: str, pair: Pair, interval: int) -> Market:
    """TapeError (bad input) when the set, the pair or the candles are missing."""
    from application.features.ports import FeatureSetError
    from entrypoints.cli.common import data_dir_container

    container = data_dir_container(data_dir)
    try:
        rows = container.features().feature_store().load(feature_set)
    except (FeatureSetError, FileNotFoundError, OSError) as exc:
        raise TapeError(f"feature set {feature_set!r} under {data_dir}: {exc}") from None
    held = [r for r in rows if r.pair == pair and len(r)]
    candles = Ohlcv.empty()
    if held:
        first, last = int(held[0].open_time_ms[0]), int(held[0].open_time_ms[-1])
        candles = container.data().candle_store().load(pair, first, last + MINUTE_MS)
    return Market(tape_for(pair, rows, candles, interval), candles, held[0] if held else None)


def period(tape: Tape, start: datetime | None, end: datetime | None, name: str) -> Tape:
    cut = tape.between(None if start is None else datetime_to_ms(start), None if end is None else datetime_to_ms(end))
    if not cut.runs():
        raise TapeError(f"the {name} period holds no run of two or more {tape.interval_minutes}-minute bars of "
                        f"{tape.pair} in the feature set")
    return cut


def train_seed(tape: Tape, config: TradingConfig, settings: Any, out: Path, progress: Progress | None) -> Any:
    """Train one seed; write its model, reward curve (CSV, PNG) and settings into ``out``."""
    from adapters.research.curves import plot_curves, write_curves
    from adapters.research.ppo import train

    agent = train(tape, config, settings, None if progress is None else lambda done: progress(done, settings.timesteps))
    out.mkdir(parents=True, exist_ok=True)
    agent.save(out / f"ppo_seed{settings.seed}.zip")
    write_curves(out / f"curve_seed{settings.seed}.csv", {settings.seed: agent.curve})
    plot_curves(out / f"curve_seed{settings.seed}.png", {settings.seed: agent.curve})
    return agent


@attrs.frozen
class Evaluation:
    verdict: Verdict
    engine: dict[str, EngineFigures]  # the verdict's out-of-sample measure
    walks: dict[str, WalkResult]  # the tape walk: a second view, not in the criterion

    def as_dict(self) -> dict[str, Any]:
        return {"engine": {name: f.as_dict() for name, f in self.engine.items()},
                "walk": {name: _walk_json(w) for name, w in self.walks.items()}}


def evaluate(train_tape: Tape, test_tape: Tape, candles: Ohlcv, supervised: BulkPredictor, config: TradingConfig,
             settings: Sequence[Any], out: Path, progress: Progress | None, engine: EngineRun) -> Evaluation:
    """Every seed trained, then run out of sample in the engine (and walked) beside the supervised predictor."""
    from adapters.research.curves import plot_curves, write_curves

    walks: dict[str, WalkResult] = {}
    curves: dict[int, Any] = {}
    predictors: dict[str, BulkPredictor] = {}
    for k, seed_settings in enumerate(settings):
        agent = train_seed(train_tape, config, seed_settings, out, _shifted(progress, settings, k))
        name = f"ppo_seed{seed_settings.seed}"
        walks[name] = walk(test_tape, agent.policy(), config)
        predictors[name] = engine.served(f"ppo-seed{seed_settings.seed}", agent.actions(), config,
                                          test_tape.interval_minutes)
        curves[seed_settings.seed] = agent.curve
    name = f"supervised:{supervised.version}"
    predictors[name] = supervised
    predictors["flat"] = engine.served("flat", _never, config, test_tape.interval_minutes)
    figures = engine_figures(predictors, engine.inputs, config.initial_balance)
    walks[name] = walk(test_tape, following(supervised_directions(supervised, test_tape, candles)), config)
    walks["flat"] = walk(test_tape, following(np.zeros(len(test_tape), dtype=np.int8)), config)
    runs = [SeedRun(s.seed, curves[s.seed], figures[f"ppo_seed{s.seed}"].return_pct) for s in settings]
    verdict = judge(runs, name, figures[name].return_pct)
    evaluation = Evaluation(verdict, figures, walks)
    write_curves(out / "curves.csv", curves)
    plot_curves(out / "curves.png", curves)
    write_verdict(out / "verdict.json", verdict, evaluation.as_dict())
    return evaluation


def _never(observations: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
    """The policy that holds at every bar: staying flat, through the same engine."""
    return np.zeros(len(observations), dtype=np.int64)


def _shifted(progress: Progress | None, settings: Sequence[Any], k: int) -> Progress | None:
    """Seed k's progress as a share of all the seeds' steps."""
    if progress is None:
        return None
    before, total = sum(s.timesteps for s in settings[:k]), sum(s.timesteps for s in settings)
    return lambda done, _: progress(before + done, total)


def supervised_directions(predictor: BulkPredictor, tape: Tape, candles: Ohlcv) -> npt.NDArray[np.int8]:
    """The predictor's direction at each decision bar, scored (in bulk, as the backtest scores it) on
    the window of candles ending at that bar."""
    predictions = predictor.predict_many(tape.pair, candles)
    return directions_at(tape, candles.open_time_ms, predictions.direction)


def _walk_json(result: WalkResult) -> dict[str, Any]:
    return {**attrs.asdict(result), "return_pct": result.return_pct}


def write_verdict(path: Path, verdict: Verdict, figures: dict[str, Any] | None = None) -> None:
    """``figures``: the engine and walk figures behind it, kept in the file for the record (not read back)."""
    payload = {**_json.unstructure(verdict), "passed": verdict.passed, **(figures or {})}
    path.write_text(json.dumps(payload, indent=2, allow_nan=True) + "\n")


def read_verdict(path: Path) -> Verdict | None:
    """None when there is no file; ValueError naming the file when it cannot be read as a verdict."""
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text())
        for extra in ("passed", "engine", "walk"):
            data.pop(extra, None)
        return _json.structure(data, Verdict)
    except (OSError, ValueError, TypeError, KeyError, cattrs.BaseValidationError) as exc:
        raise ValueError(f"{path}: not an RL verdict file ({exc})") from None
