"""`tradeai train lstm|transformer`: train a model on a stored feature set and write it with its
card under the model folder. Exit codes: 0 trained and written, 1 failure (training diverged, a
file could not be written, interrupted: nothing half-written is left), 2 bad input (unknown pair,
missing feature set, unusable or empty period, bad option)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from entrypoints.cli.common import (
    EXIT_FAILURE,
    EXIT_USAGE,
    UTC_TIME,
    echo_json,
    fail,
    json_option,
    settings_from_context,
)

_SHARED: list[Callable[..., Any]] = [
    click.option("--feature-set", help="Feature set name (default: the one built last)."),
    click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="DATA_DIR",
                 help="Data folder (env DATA_DIR; default: the settings' data_dir): feature sets under "
                      "<data-dir>/features, candles (for the leakage check) under <data-dir>/candles."),
    click.option("--features-dir", type=click.Path(file_okay=False, path_type=Path),
                 help="Folder of feature sets instead of <data-dir>/features."),
    click.option("--hidden", type=click.IntRange(min=1), default=32, show_default=True, help="Hidden width."),
    click.option("--dropout", type=click.FloatRange(0, 1, max_open=True), default=0.1, show_default=True),
    click.option("--epochs", type=click.IntRange(min=1), default=10, show_default=True, help="At most."),
    click.option("--batch", type=click.IntRange(min=1), default=512, show_default=True),
    click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=1e-3, show_default=True),
    click.option("--weight-decay", type=click.FloatRange(min=0), default=1e-4, show_default=True),
    click.option("--patience", type=click.IntRange(min=1), default=3, show_default=True,
                 help="Epochs without a lower validation loss before stopping."),
    click.option("--seed", type=int, help="Seed of every draw (default: the settings' seed)."),
    click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default="auto", show_default=True,
                 help="auto takes cuda when available; bit-identical repeats are promised on cpu."),
    click.option("--threads", type=click.IntRange(min=1), help="CPU threads for torch (default: torch's)."),
    click.option("--max-samples", type=click.IntRange(min=1),
                 help="At most this many samples per period, evenly spaced (small runs)."),
    click.option("--stride", type=click.IntRange(min=1), default=1, show_default=True,
                 help="Only bars on a STRIDE-minute grid are samples."),
    click.option("--train-start", type=UTC_TIME, help="Explicit periods (ISO, UTC): training starts (default: the "
                                                      "first minute every pair holds)."),
    click.option("--train-end", type=UTC_TIME, help="Validation starts (default 2024-01-01); training ends an "
                                                    "embargo before."),
    click.option("--validation-end", type=UTC_TIME, help="Validation ends (default 2025-01-01)."),
    click.option("--test-start", type=UTC_TIME, help="Test starts (default: the validation end)."),
    click.option("--test-end", type=UTC_TIME, help="Test ends (default: after the last stored row)."),
    click.option("--rolling", is_flag=True, help="Train the latest usable rolling window before the test period."),
    click.option("--train-months", type=click.IntRange(min=1), default=12, show_default=True),
    click.option("--validate-months", type=click.IntRange(min=1), default=3, show_default=True),
    click.option("--step-months", type=click.IntRange(min=1), default=3, show_default=True),
    click.option("--embargo-minutes", type=click.IntRange(min=1),
                 help="Gap between periods; at least the label horizon, which is the default."),
    click.option("--min-coverage", type=click.FloatRange(0, 1), default=0.5, show_default=True,
                 help="Share of a period's minutes each pair must hold."),
    click.option("--calibration", type=click.Choice(["auto", "platt", "isotonic"]), default="auto",
                 show_default=True, help="auto: the lower out-of-fold Brier score on validation."),
    click.option("--leakage-samples", type=click.IntRange(min=0), default=3, show_default=True,
                 help="Random bars per pair for the feature set's leakage check (0: not run, recorded as unknown)."),
    click.option("--out", type=click.Path(file_okay=False, path_type=Path),
                 help="Model folder (default: the settings' model_dir); runs.csv and tensorboard/ go there too."),
    json_option,
]


def _shared(command: Callable[..., Any]) -> Callable[..., Any]:
    for option in reversed(_SHARED):
        command = option(command)
    return click.pass_context(command)


@click.group()
def train() -> None:
    """Train a model on a stored feature set: early stopping and calibration read the validation
    period only; the test period is evaluated once, at the end, and reported."""


@train.command()
@click.option("--pair", required=True, help="The coin, e.g. BTCUSDT (one model per coin).")
@click.option("--window", type=click.IntRange(min=1), default=60, show_default=True, help="Input bars.")
@click.option("--layers", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--synthetic-set", help="A feature set of GAN candles (`tradeai research gan sample`) mixed into the "
                                      "training split only (off by default: the ablation found it does not help).")
@click.option("--synthetic-share", type=float, default=0.10, show_default=True,
              help="Share of the training set made of synthetic rows (with --synthetic-set).")
@click.option("--max-synthetic-share", type=float, default=0.10, show_default=True,
              help="The cap on --synthetic-share; refused above 0.20.")
@_shared
def lstm(ctx: click.Context, pair: str, **options: Any) -> None:
    """15-minute direction with an LSTM: P(up) for one coin."""
    _train(ctx, "lstm", (pair.strip().upper(),), options)


@train.command()
@click.option("--pairs", required=True, help="Comma-separated coins, e.g. BTCUSDT,ETHUSDT,BNBUSDT.")
@click.option("--window", type=click.IntRange(min=1), default=30, show_default=True, help="Input bars.")
@click.option("--layers", type=click.IntRange(min=1), default=2, show_default=True)
@click.option("--heads", type=click.IntRange(min=1), default=2, show_default=True,
              help="Attention heads (must divide --hidden).")
@click.option("--trend-weight", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Weight of the trend loss beside the direction loss.")
@_shared
def transformer(ctx: click.Context, pairs: str, **options: Any) -> None:
    """Trend strength across coins with a Transformer encoder (pair embedding, self-attention over
    the window): trend in [-1, 1] and P(up)."""
    chosen = tuple(p.strip().upper() for p in pairs.split(",") if p.strip())
    if options["hidden"] % options["heads"]:
        raise click.BadParameter(f"{options['heads']} does not divide --hidden {options['hidden']}",
                                 param_hint="--heads")
    _train(ctx, "transformer", chosen, options)


def _train(ctx: click.Context, kind: str, pairs: tuple[str, ...], o: dict[str, Any]) -> None:
    from adapters.torch import ModelFileError, RunLogError
    from application.features.ports import FeatureSetError
    from application.models.training.periods import TrainingInputError
    from entrypoints.cli.features import code_version
    from entrypoints.container import build_container
    from entrypoints.logging_setup import configure_logging
    from entrypoints.runtime_main import secrets_of
    from entrypoints.seeding import seed_everything
    from entrypoints.training_run import build_use_case, describe, epoch_bars

    settings = settings_from_context(ctx).settings
    seed = settings.seed if o["seed"] is None else o["seed"]
    data_dir = o["data_dir"] or Path(settings.candles.data_dir)
    out = o["out"] or Path(settings.predictor.model_dir)
    container = build_container(_with_data_dir(settings, data_dir))
    features_dir = o["features_dir"] or container.features().feature_folder()
    try:
        request = _request(kind, pairs, o, seed, settings)
        _check_device(o["device"])
    except (TrainingInputError, ValueError) as exc:
        fail(str(exc), EXIT_USAGE)
    # logs go to stderr: stdout carries the figures, JSON with --json
    configure_logging(level=settings.log.level, fmt=settings.log.format, mode=settings.mode,
                      secrets=secrets_of(settings), stream=sys.stderr)
    seed_everything(seed, torch=True)
    use_case = build_use_case(container, features_dir, out, o["threads"], o["leakage_samples"], seed, code_version())
    try:
        with epoch_bars(True) as bars:
            report = use_case(request, datetime.now(UTC), bars)
    except (TrainingInputError, FeatureSetError) as exc:
        fail(str(exc), EXIT_USAGE)
    except KeyboardInterrupt:
        fail("interrupted: no model was written", EXIT_FAILURE)
    except (OSError, RuntimeError, RunLogError, ModelFileError) as exc:  # TrainingDiverged is a RuntimeError
        fail(str(exc), EXIT_FAILURE)
    if o["as_json"]:
        echo_json(report.as_dict())
    else:
        click.echo(describe(report))


def _with_data_dir(settings: Any, data_dir: Path) -> Any:
    import attrs

    return attrs.evolve(settings, candles=attrs.evolve(settings.candles, data_dir=str(data_dir)))


def _check_device(device: str) -> None:
    from adapters.torch.trainer import resolve_device

    resolve_device(device)


def _request(kind: str, pairs: tuple[str, ...], o: dict[str, Any], seed: int, settings: Any) -> Any:
    from application.models.training.periods import RollingWindows, SplitOptions
    from application.models.training.train import TrainRequest
    from domain.models.cards import ModelKind
    from domain.signals.confidence import CalibrationMethod
    from domain.signals.signal import TierThresholds

    params: dict[str, Any] = {key: o[key] for key in ("epochs", "hidden", "layers", "dropout", "batch", "lr",
                                                      "weight_decay", "patience")}
    if kind == "transformer":
        params.update(heads=o["heads"], trend_weight=o["trend_weight"])
    rolling = RollingWindows(o["train_months"], o["validate_months"], o["step_months"]) if o["rolling"] else None
    embargo = None if o["embargo_minutes"] is None else timedelta(minutes=o["embargo_minutes"])
    split = SplitOptions(o["train_start"], o["train_end"], o["validation_end"], o["test_start"], o["test_end"],
                         rolling, embargo, o["min_coverage"])
    calibration = None if o["calibration"] == "auto" else CalibrationMethod(o["calibration"])
    signals = settings.signals
    return TrainRequest(ModelKind(kind), pairs, params, o["window"], seed, o["device"], o["feature_set"], split,
                        o["stride"], o["max_samples"], calibration,
                        thresholds=TierThresholds(signals.tier_high, signals.tier_medium, signals.tier_low),
                        synthetic=_synthetic(o))


def _synthetic(o: dict[str, Any]) -> Any:
    """None unless --synthetic-set; a share above its cap, or a cap above 20 %, is refused (exit 2)."""
    from application.models.training.synthetic import SyntheticTraining
    from domain.research.synthetic import SyntheticMix

    if not o.get("synthetic_set"):
        return None
    return SyntheticTraining(o["synthetic_set"], SyntheticMix(o["synthetic_share"], o["max_synthetic_share"]))
