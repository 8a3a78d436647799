"""One sweep cell, as a Dask worker runs it: train on the fold's training period, validate on its
validation period (no test period is read), backtest the model over that validation period when
the sweep asks, and answer the run-log row and the figures. The worker reads the feature set and
the candles by path (an fsspec URL is copied once per worker to a local cache); nothing but the
cell, the paths and the non-secret settings travels through the scheduler."""

from __future__ import annotations

import json
import os
import socket
import tempfile
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from application.models.ports import NoEvidence
from application.models.training.ports import RunLog, SilentObserver
from application.sweeps.ports import CellOutcome
from domain.models.cards import VALIDATION
from domain.sweeps.spec import Cell
from entrypoints.settings import Settings
from entrypoints.validation_backtest import BacktestValidation

# what a worker needs of the settings (the backtest's risk, signals and costs); never a secret
_WORKER_SECTIONS = ("seed", "signals", "guards", "risk", "ensemble", "patterns", "execution", "backtest", "gates")


@attrs.frozen
class CellPaths:
    features: str  # the feature sets' folder: a local path, or an fsspec URL (s3://, file://, ...)
    data_dir: str  # the candle store's data folder, for the validation backtest
    out: str  # the sweep's model folder: each cell writes under <out>/<run_hash>/
    code_version: str
    settings: Settings

    @classmethod
    def of(cls, settings: Settings, features: str, data_dir: str, out: str, code_version: str) -> CellPaths:
        clean = attrs.evolve(Settings(), **{name: getattr(settings, name) for name in _WORKER_SECTIONS})
        clean = attrs.evolve(clean, candles=attrs.evolve(clean.candles, data_dir=data_dir))
        return cls(features, data_dir, out, code_version, clean)


class _Captured(RunLog):
    """The cell's run-log row, kept for the driver to append (workers never write the shared log)."""

    def __init__(self) -> None:
        self.row: dict[str, Any] | None = None

    def append(self, row: Mapping[str, Any]) -> None:
        self.row = dict(row)

    def location(self) -> str:
        return "returned to the sweep's driver"


def run_cell(cell: Cell, paths: CellPaths) -> CellOutcome:
    started = time.perf_counter()
    worker = f"{socket.gethostname()}:{os.getpid()}"
    try:
        row, figures = _train_and_measure(cell, paths)
    except Exception as exc:  # the cell's own failure, said by the driver; the sweep goes on
        return CellOutcome(cell, None, {}, f"{type(exc).__name__}: {exc}", time.perf_counter() - started, worker)
    return CellOutcome(cell, row, figures, None, time.perf_counter() - started, worker)


def _train_and_measure(cell: Cell, paths: CellPaths) -> tuple[dict[str, Any], dict[str, float | None]]:
    from application.models.training.train import TrainModel
    from entrypoints.container import build_container

    container = build_container(paths.settings)
    out = Path(paths.out) / cell.run_hash
    captured = _Captured()
    features = container.features().feature_store(folder=local_features(paths.features, cell.feature_set))
    training = container.training()
    use_case = TrainModel(features, training.trainer(threads=1), training.model_files(folder=out), captured,
                          None, None, paths.code_version)
    report = use_case(_request(cell, paths.settings), datetime.now(UTC), SilentObserver())
    card = report.card
    validation = card.metrics.get(VALIDATION, {})
    figures: dict[str, float | None] = {"validation_accuracy": validation.get("accuracy"),
                                        "validation_brier": validation.get("brier"),
                                        "validation_loss": card.metrics.get("training", {}).get("validation_loss")}
    note = None
    if cell.backtest:
        measured = _backtester(container).figures(card, report.location)
        if isinstance(measured, NoEvidence):  # e.g. no stored candles for the period: said, not invented
            note = f"no validation backtest: {measured.reason}"
        else:
            figures |= measured
    row = dict(captured.row or {})
    row["params"] = _merged(row.get("params"), {"sweep": cell.sweep, "run_hash": cell.run_hash,
                                                "fold": cell.fold.name})
    row["metrics"] = _merged(row.get("metrics"), {"sweep": figures, **({"sweep_note": note} if note else {})})
    return row, figures


def _backtester(container: Any) -> BacktestValidation:
    validation = container.validation()
    if not isinstance(validation, BacktestValidation):
        raise TypeError(f"the validation backtest is a {type(validation).__name__}, not a BacktestValidation")
    return validation


def _request(cell: Cell, settings: Settings) -> Any:
    from application.models.training.periods import SplitOptions
    from application.models.training.train import TrainRequest
    from domain.models.cards import ModelKind
    from domain.signals.signal import TierThresholds

    options = cell.options
    params = {k: v for k, v in options.items() if k not in ("window", "stride", "max_samples")}
    validation = cell.period("validation")
    split = SplitOptions(train_start=cell.period("train").start, train_end=validation.start,
                         validation_end=validation.end, embargo=cell.fold.embargo, no_test=True)
    signals = settings.signals
    return TrainRequest(ModelKind(cell.model), cell.pairs, params, int(options["window"]), cell.seed, "cpu",
                        cell.feature_set, split, int(options["stride"]), options["max_samples"],
                        thresholds=TierThresholds(signals.tier_high, signals.tier_medium, signals.tier_low))


def local_features(location: str, feature_set: str) -> Path:
    """The feature sets' folder on this machine: the path itself, or, for an fsspec URL, a cache
    the set is copied into once per worker (its files are content-named by the store's manifest)."""
    if "://" not in location:
        return Path(location)
    import fsspec

    cache = Path(tempfile.gettempdir()) / "tradeai-features" / _safe(location)
    if not (cache / f"{feature_set}.json").exists():
        fs, root = fsspec.core.url_to_fs(location)
        cache.mkdir(parents=True, exist_ok=True)
        # the data first, the manifest last: a copy cut short is not taken for a whole set
        for name in (f"{feature_set}.parquet", f"{feature_set}.json"):
            fs.get(f"{root.rstrip('/')}/{name}", str(cache / name))
    return cache


def _safe(location: str) -> str:
    return "".join(c if c.isalnum() else "_" for c in location)[-120:]


def _merged(text: Any, extra: Mapping[str, Any]) -> str:
    document = json.loads(text) if isinstance(text, str) and text else {}
    return json.dumps({**document, **extra}, sort_keys=True, separators=(",", ":"))
