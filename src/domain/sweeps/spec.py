"""A sweep: a grid of model hyperparameters x walk-forward folds x pairs, each cell one training run
validated (and backtested) on its fold's validation period. Nothing in a sweep reads a test
period: the metric that ranks the cells is named before the sweep runs, and it is a validation one.

The grid file (TOML) reads::

    [sweep]
    name = "lstm-width"
    model = "lstm"                 # lstm (one cell per pair) or transformer (all pairs in one cell)
    pairs = ["BTCUSDT", "ETHUSDT"]
    metric = "validation_accuracy" # see METRICS
    seed = 7
    backtest = true                # each cell's model backtested on its validation period
    [folds]                        # rolling splits with an embargo, inside the feature set's rows
    train_days = 60
    validate_days = 14
    step_days = 14
    embargo_minutes = 15           # optional: the label horizon by default
    max_folds = 4                  # optional: the latest ones
    [grid]                         # every combination is a cell (per fold and pair)
    hidden = [16, 32]
    lr = [0.001, 0.003]
    [fixed]                        # the same in every cell
    epochs = 3
    max_samples = 5000
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import attrs

from domain.features.splits import Period, Split

# metric -> True when higher is better; every one is measured on the fold's validation period
METRICS: dict[str, bool] = {
    "validation_accuracy": True,
    "validation_brier": False,
    "validation_loss": False,
    "backtest_net_pnl": True,
    "backtest_win_rate": True,
}
# the training options a grid or fixed table may set, and their defaults (`tradeai train`'s)
MODEL_DEFAULTS: dict[str, dict[str, Any]] = {
    "lstm": {"window": 60, "layers": 1},
    "transformer": {"window": 30, "layers": 2, "heads": 2, "trend_weight": 1.0},
}
COMMON_DEFAULTS: dict[str, Any] = {"hidden": 32, "dropout": 0.1, "epochs": 10, "batch": 512, "lr": 1e-3,
                                   "weight_decay": 1e-4, "patience": 3, "stride": 1, "max_samples": None}
_SECTIONS = {"sweep", "folds", "grid", "fixed"}


class SweepSpecError(ValueError):
    """The grid file is not a sweep: the message names the file and the key."""


@attrs.frozen
class FoldSpec:
    train_days: int
    validate_days: int
    step_days: int
    embargo: timedelta
    max_folds: int | None = None


@attrs.frozen
class SweepSpec:
    name: str
    model: str
    pairs: tuple[str, ...]
    metric: str
    seed: int
    folds: FoldSpec
    grid: tuple[tuple[str, tuple[Any, ...]], ...]
    fixed: tuple[tuple[str, Any], ...]
    backtest: bool = True
    feature_set: str | None = None

    @property
    def higher_is_better(self) -> bool:
        return METRICS[self.metric]

    def combinations(self) -> list[dict[str, Any]]:
        """Every grid point with the fixed options and the defaults under it, in the grid's order."""
        base = {**COMMON_DEFAULTS, **MODEL_DEFAULTS[self.model], **dict(self.fixed)}
        names = [name for name, _ in self.grid]
        return [{**base, **dict(zip(names, values, strict=True))}
                for values in itertools.product(*(values for _, values in self.grid))]

    def pair_groups(self) -> list[tuple[str, ...]]:
        """An LSTM is one coin's model; the transformer is trained across the coins."""
        return [(p,) for p in self.pairs] if self.model == "lstm" else [self.pairs]


@attrs.frozen
class Cell:
    """One training run of a sweep: its options, its fold and its pairs. ``run_hash`` names it in
    the run log, so a rerun finds it done."""

    sweep: str
    model: str
    pairs: tuple[str, ...]
    params: tuple[tuple[str, Any], ...]
    fold: Split
    seed: int
    feature_set: str
    feature_set_hash: str
    backtest: bool

    @property
    def options(self) -> dict[str, Any]:
        return dict(self.params)

    @property
    def run_hash(self) -> str:
        periods = [[p.name, p.start.isoformat(), p.end.isoformat()] for p in self.fold.periods]
        document = {"model": self.model, "pairs": list(self.pairs), "params": self.options, "periods": periods,
                    "embargo_s": self.fold.embargo.total_seconds(), "seed": self.seed,
                    "feature_set_hash": self.feature_set_hash, "backtest": self.backtest}
        text = json.dumps(document, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:20]

    def period(self, name: str) -> Period:
        return next(p for p in self.fold.periods if p.name == name)


def fold_splits(first: datetime, last: datetime, folds: FoldSpec, horizon: timedelta) -> list[Split]:
    """Rolling windows (train, embargo, validate) stepped by ``step_days`` inside [first, last),
    the latest ``max_folds`` of them; each validation ends by ``last``."""
    train, validate, step = (timedelta(days=d) for d in (folds.train_days, folds.validate_days, folds.step_days))
    splits: list[Split] = []
    start = first
    while start + train + validate <= last:
        boundary = start + train
        periods = (Period("train", start, boundary - folds.embargo),
                   Period("validation", boundary, boundary + validate))
        splits.append(Split(f"fold {len(splits) + 1}", periods, folds.embargo, horizon))
        start += step
    return splits[-folds.max_folds:] if folds.max_folds else splits


def cells_of(spec: SweepSpec, splits: Sequence[Split], feature_set: str, feature_set_hash: str) -> list[Cell]:
    return [Cell(spec.name, spec.model, pairs, tuple(sorted(params.items())), split, spec.seed, feature_set,
                 feature_set_hash, spec.backtest)
            for params in spec.combinations() for split in splits for pairs in spec.pair_groups()]


def parse_spec(document: Mapping[str, Any], source: str) -> SweepSpec:
    """The sweep a parsed grid file describes; SweepSpecError naming ``source`` and the key otherwise."""
    unknown = sorted(set(document) - _SECTIONS)
    if unknown:
        raise SweepSpecError(f"{source}: unknown section [{unknown[0]}] (sections: {', '.join(sorted(_SECTIONS))})")
    sweep, folds = _table(document, "sweep", source), _table(document, "folds", source)
    model = _choice(sweep, "model", source, tuple(MODEL_DEFAULTS))
    metric = _choice(sweep, "metric", source, tuple(METRICS))
    grid_table, fixed = _table(document, "grid", source, required=False), _table(document, "fixed", source,
                                                                                 required=False)
    allowed = set(COMMON_DEFAULTS) | set(MODEL_DEFAULTS[model])
    for section, table in (("grid", grid_table), ("fixed", fixed)):
        for key in table:
            if key not in allowed:
                raise SweepSpecError(f"{source}: [{section}] {key} is not a {model} option "
                                     f"({', '.join(sorted(allowed))})")
    grid = tuple((key, _values(grid_table[key], f"[grid] {key}", source)) for key in grid_table)
    if overlap := sorted(set(grid_table) & set(fixed)):
        raise SweepSpecError(f"{source}: {overlap[0]} is both in [grid] and in [fixed]")
    pairs = _pairs(sweep, source)
    return SweepSpec(name=_text(sweep, "name", source), model=model, pairs=pairs, metric=metric,
                     seed=_integer(sweep, "seed", source, 0), folds=_folds(folds, source), grid=grid,
                     fixed=tuple(fixed.items()), backtest=_flag(sweep, "backtest", source, True),
                     feature_set=sweep.get("feature_set"))


def _folds(table: Mapping[str, Any], source: str) -> FoldSpec:
    known = {"train_days", "validate_days", "step_days", "embargo_minutes", "max_folds"}
    if unknown := sorted(set(table) - known):
        raise SweepSpecError(f"{source}: [folds] {unknown[0]} is not a fold option ({', '.join(sorted(known))})")
    embargo = _integer(table, "embargo_minutes", source, 15, prefix="folds")
    max_folds = table.get("max_folds")
    return FoldSpec(_integer(table, "train_days", source, None, prefix="folds"),
                    _integer(table, "validate_days", source, None, prefix="folds"),
                    _integer(table, "step_days", source, None, prefix="folds"), timedelta(minutes=embargo),
                    None if max_folds is None else _integer(table, "max_folds", source, None, prefix="folds"))


def _table(document: Mapping[str, Any], key: str, source: str, required: bool = True) -> Mapping[str, Any]:
    value = document.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, Mapping):
        raise SweepSpecError(f"{source}: [{key}] is missing or not a table")
    return value


def _choice(table: Mapping[str, Any], key: str, source: str, choices: tuple[str, ...]) -> str:
    value = table.get(key)
    if value not in choices:
        raise SweepSpecError(f"{source}: [sweep] {key} must be one of {', '.join(choices)}, got {value!r}")
    return str(value)


def _text(table: Mapping[str, Any], key: str, source: str) -> str:
    value = table.get(key)
    if not isinstance(value, str) or not value or not all(c.isalnum() or c in "-_." for c in value):
        raise SweepSpecError(f"{source}: [sweep] {key} must be a name of letters, digits, '-', '_' or '.', "
                             f"got {value!r}")
    return value


def _pairs(table: Mapping[str, Any], source: str) -> tuple[str, ...]:
    value = table.get("pairs")
    if not isinstance(value, list) or not value or not all(isinstance(p, str) and p for p in value):
        raise SweepSpecError(f"{source}: [sweep] pairs must be a non-empty list of pair names, got {value!r}")
    if len(set(value)) != len(value):
        raise SweepSpecError(f"{source}: [sweep] pairs names a pair twice")
    return tuple(value)


def _integer(table: Mapping[str, Any], key: str, source: str, default: int | None, prefix: str = "sweep") -> int:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < (0 if key == "seed" else 1):
        raise SweepSpecError(f"{source}: [{prefix}] {key} must be a whole number"
                             f"{' >= 0' if key == 'seed' else ' >= 1'}, got {value!r}")
    return value


def _flag(table: Mapping[str, Any], key: str, source: str, default: bool) -> bool:
    value = table.get(key, default)
    if not isinstance(value, bool):
        raise SweepSpecError(f"{source}: [sweep] {key} must be true or false, got {value!r}")
    return value


def _values(value: Any, where: str, source: str) -> tuple[Any, ...]:
    if not isinstance(value, list) or not value:
        raise SweepSpecError(f"{source}: {where} must be a non-empty list of values, got {value!r}")
    for item in value:
        if isinstance(item, float) and not math.isfinite(item):
            raise SweepSpecError(f"{source}: {where} holds {item!r}, not a finite number")
    return tuple(value)
