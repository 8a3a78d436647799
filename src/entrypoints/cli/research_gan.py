"""`tradeai research gan train|sample|report`: a sequence GAN over real candles, tagged synthetic
feature sets from it, and the report that judges them (quality against held real candles, and the
0/10/20 % ablation on the real validation period). Synthetic data never enters `tradeai train`
by default. Exit codes: 0 done, 1 failure (training diverged, a file could not be written,
interrupted), 2 bad input (unknown pair or set, unusable span, a share above the cap)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click

from entrypoints.cli.common import EXIT_FAILURE, EXIT_USAGE, UTC_TIME, echo_json, fail, json_option


def _features_dir(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--features-dir", type=click.Path(file_okay=False, path_type=Path),
                        help="Folder of feature sets instead of <data-dir>/features.")(command)


def _data_dir(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="DATA_DIR",
                        default="data", show_default=True,
                        help="Data folder (env DATA_DIR): candles under <data-dir>/candles, feature sets under "
                             "<data-dir>/features, generators under <data-dir>/generators.")(command)


def _seed(command: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--seed", type=int, default=0, show_default=True, help="Seed of every draw.")(command)


@click.group()
def gan() -> None:
    """Synthetic candles from a GAN (research): train a generator, sample a tagged synthetic feature
    set, report its quality and whether it helps a model. Off by default everywhere else."""


@gan.command()
@click.option("--pair", required=True, help="The coin, e.g. BTCUSDT.")
@click.option("--train-start", type=UTC_TIME, required=True, help="First candle the generator reads (ISO, UTC).")
@click.option("--train-end", type=UTC_TIME, required=True,
              help="Nothing at or after this is read: use the model's --train-end so the GAN never sees validation.")
@click.option("--holdout-start", type=UTC_TIME,
              help="Candles from here to --train-end are held back for the quality report (default: the last 20 %).")
@click.option("--window", type=click.IntRange(min=8), default=64, show_default=True, help="Bars per training window.")
@click.option("--stride", type=click.IntRange(min=1), default=8, show_default=True, help="Bars between windows.")
@click.option("--max-windows", type=click.IntRange(min=6), default=10_000, show_default=True,
              help="At most this many windows, evenly spaced (CPU runs stay short).")
@click.option("--epochs", type=click.IntRange(min=1), default=30, show_default=True)
@click.option("--batch", type=click.IntRange(min=2), default=64, show_default=True)
@click.option("--hidden", type=click.IntRange(min=1), default=32, show_default=True)
@click.option("--noise", type=click.IntRange(min=1), default=8, show_default=True, help="Noise width per bar.")
@click.option("--lr", type=click.FloatRange(min=0, min_open=True), default=5e-4, show_default=True)
@click.option("--critic-steps", type=click.IntRange(min=1), default=3, show_default=True,
              help="Critic updates per generator update.")
@click.option("--gradient-penalty", type=click.FloatRange(min=0), default=10.0, show_default=True)
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True, help="CPU threads for torch.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Generator folder (default <data-dir>/generators).")
@_seed
@_data_dir
@json_option
def train(pair: str, train_start: datetime, train_end: datetime, holdout_start: datetime | None, window: int,
          stride: int, max_windows: int, threads: int, out: Path | None, seed: int, data_dir: Path, as_json: bool,
          **params: Any) -> None:
    """Train the generator on PAIR's stored candles of the span; writes <version>.pt and .json."""
    from adapters.torch.gan import GanDiverged, TorchGanTrainer, TorchGeneratorFiles
    from application.research.gan_data import GanInputError
    from application.research.gan_train import GanTrainRequest, TrainGan
    from domain.market.candles import Pair
    from entrypoints.cli.common import data_dir_container
    from entrypoints.cli.features import code_version

    try:
        held = holdout_start or train_end - (train_end - train_start) / 5
        request = GanTrainRequest(Pair.parse(pair), train_start, train_end, held, window, stride, max_windows,
                                  params, seed)
    except ValueError as exc:
        fail(str(exc), EXIT_USAGE)
    container = data_dir_container(data_dir)
    files = TorchGeneratorFiles(out or data_dir / "generators")
    use_case = TrainGan(container.data().candle_store(), TorchGanTrainer(threads), files, code_version())
    try:
        with _epoch_bar(True) as bar:  # stderr: stdout keeps the figures or the JSON
            report = use_case(request, datetime.now(UTC), bar)
    except GanInputError as exc:
        fail(str(exc), EXIT_USAGE)
    except KeyboardInterrupt:
        fail("interrupted: no generator was written", EXIT_FAILURE)
    except (OSError, GanDiverged) as exc:
        fail(str(exc), EXIT_FAILURE)
    if as_json:
        echo_json(report.as_dict())
        return
    card = report.card
    click.echo(f"{card['version']}: {card['windows']:,} windows of {card['window']} bars from {card['candles']:,} "
               f"{card['pair']} candles ({card['train_start'][:16]} -> {card['holdout_start'][:16]}); held back "
               f"{card['holdout_start'][:16]} -> {card['train_end'][:16]}")
    click.echo(f"  written to {files.folder / card['version']}.pt (card .json); last epoch critic loss "
               f"{card['losses'].get('critic', float('nan')):.4f}, generator loss "
               f"{card['losses'].get('generator', float('nan')):.4f}")


@gan.command()
@click.option("--generator", "generator_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The generator's card (<version>.json) or weights (.pt).")
@click.option("--feature-set", required=True,
              help="The real feature set whose spec, normalizer and thresholds the synthetic rows take.")
@click.option("--name", help="Name of the synthetic feature set written (default <generator version>-synthetic).")
@click.option("--paths", type=click.IntRange(min=1), default=200, show_default=True, help="Synthetic paths.")
@click.option("--length", type=click.IntRange(min=2), default=192, show_default=True, help="Bars per path.")
@_seed
@_data_dir
@_features_dir
@json_option
def sample(generator_path: Path, feature_set: str, name: str | None, paths: int, length: int, seed: int,
           data_dir: Path, features_dir: Path | None, as_json: bool) -> None:
    """Sample synthetic candles and store their features, every row tagged synthetic=True with the
    generator's version, as a feature set beside the real one."""
    from adapters.torch.gan import GeneratorFileError
    from application.features.compute import FeaturePipeline
    from application.features.ports import FeatureSetError
    from application.research.gan_data import GanInputError
    from application.research.gan_sample import SampleRequest, SampleSynthetic
    from entrypoints.cli.common import data_dir_container

    container = data_dir_container(data_dir)
    files = _files(generator_path)
    features = container.features().feature_store(folder=features_dir or container.features().feature_folder())
    chosen = name or f"{generator_path.stem}-synthetic"
    use_case = SampleSynthetic(container.data().candle_store(), files, features,
                               FeaturePipeline(container.features().calculator()))
    try:
        report = use_case(SampleRequest(str(generator_path), feature_set, chosen, paths, length, seed),
                          datetime.now(UTC))
    except (GanInputError, FeatureSetError, GeneratorFileError) as exc:  # a missing or altered generator file
        fail(str(exc), EXIT_USAGE)
    except OSError as exc:
        fail(str(exc), EXIT_FAILURE)
    if as_json:
        echo_json(report.as_dict())
        return
    click.echo(f"{report.name}: {report.rows:,} tagged synthetic rows from {report.paths} paths of generator "
               f"{report.generator_version}, written to {report.location}; lowest price {report.min_price:.6g}")


@gan.command()
@click.option("--synthetic-set", required=True, help="The synthetic feature set (from `gan sample`).")
@click.option("--feature-set", help="The real feature set (default: the one the synthetic set was sampled against).")
@click.option("--train-start", type=UTC_TIME, help="Ablation training start (default: the first stored row).")
@click.option("--train-end", type=UTC_TIME, help="Validation starts (default: the generator's --train-end).")
@click.option("--validation-end", type=UTC_TIME, help="Validation ends (ISO, UTC); needed unless --no-ablation.")
@click.option("--shares", default="0,0.1,0.2", show_default=True,
              help="Synthetic shares of the training set, one model each (each at most 0.20).")
@click.option("--max-synthetic-share", type=float, default=0.20, show_default=True,
              help="The cap on any share (max_synthetic_share; training's default is 0.10, never above 0.20).")
@click.option("--seeds", default="0,1,2", show_default=True, help="Seeds per share.")
@click.option("--window", type=click.IntRange(min=1), default=30, show_default=True, help="LSTM input bars.")
@click.option("--hidden", type=click.IntRange(min=1), default=16, show_default=True)
@click.option("--epochs", type=click.IntRange(min=1), default=4, show_default=True)
@click.option("--max-samples", type=click.IntRange(min=1), default=20_000, show_default=True,
              help="Real samples per period, evenly spaced.")
@click.option("--no-ablation", is_flag=True, help="Only the quality figures.")
@click.option("--threads", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Report folder (default <data-dir>/reports/<synthetic set>).")
@_data_dir
@_features_dir
@json_option
def report(synthetic_set: str, no_ablation: bool, threads: int, out: Path | None, data_dir: Path,
           features_dir: Path | None, as_json: bool, **options: Any) -> None:
    """Quality of the synthetic candles against held real ones (KS, ACF of |returns|, clustering,
    prices > 0) and the ablation; writes report.json, report.md and PNG charts."""
    from adapters.torch import TorchTrainer
    from application.features.ports import FeatureSetError
    from application.models.training.periods import TrainingInputError
    from application.research.ablation import RunAblation
    from application.research.gan_data import GanInputError
    from application.research.gan_report import ReportGan
    from entrypoints.cli.common import data_dir_container
    from entrypoints.training_run import epoch_bars

    container = data_dir_container(data_dir)
    features = container.features().feature_store(folder=features_dir or container.features().feature_folder())
    try:
        made = features.manifest(synthetic_set).get("synthetic") or {}
        ablation = None if no_ablation else _ablation_request(synthetic_set, made, options)
    except (GanInputError, FeatureSetError, ValueError) as exc:
        fail(str(exc), EXIT_USAGE)
    use_case = ReportGan(container.data().candle_store(), _files(Path(made.get("generator", ""))), features,
                         RunAblation(features, TorchTrainer(threads)))
    try:
        with epoch_bars(True) as bar:
            result = use_case(synthetic_set, ablation, bar)
    except (GanInputError, FeatureSetError, TrainingInputError) as exc:
        fail(str(exc), EXIT_USAGE)
    except KeyboardInterrupt:
        fail("interrupted: no report was written", EXIT_FAILURE)
    except (OSError, RuntimeError) as exc:
        fail(str(exc), EXIT_FAILURE)
    _write_report(result, out or data_dir / "reports" / synthetic_set, as_json)


def _ablation_request(synthetic_set: str, made: dict[str, Any], o: dict[str, Any]) -> Any:
    """The ablation the options ask for; training ends where the generator's span ended unless told."""
    from application.models.training.periods import SplitOptions
    from application.research.ablation import AblationRequest

    if o["validation_end"] is None:
        raise ValueError("--validation-end is needed for the ablation (or pass --no-ablation)")
    end = o["train_end"] or (datetime.fromisoformat(made["train_end"]) if made.get("train_end") else None)
    return AblationRequest(o["feature_set"] or made.get("source_set", ""), synthetic_set, made.get("pair", ""),
                           SplitOptions(o["train_start"], end, o["validation_end"], no_test=True),
                           _floats(o["shares"], "--shares"), tuple(int(s) for s in _floats(o["seeds"], "--seeds")),
                           o["window"], o["max_samples"], {"hidden": o["hidden"], "epochs": o["epochs"]},
                           o["max_synthetic_share"])


def _write_report(result: Any, folder: Path, as_json: bool) -> None:
    import json

    from adapters.common.atomic_file import atomic_write
    from adapters.reports.gan_charts import gan_charts
    from application.research.gan_report import markdown

    payload = result.as_dict()
    try:
        charts = gan_charts(result.quality, payload["ablation"], folder)
        text = json.dumps(payload, indent=2, default=str, allow_nan=True).encode()
        atomic_write(folder / "report.json", lambda handle: handle.write(text))
        page = markdown(payload, charts).encode()
        atomic_write(folder / "report.md", lambda handle: handle.write(page))
    except OSError as exc:
        fail(f"{folder}: the report could not be written ({exc})", EXIT_FAILURE)
    if as_json:
        echo_json({**payload, "report": str(folder / "report.md"), "charts": charts})
        return
    click.echo(page.decode())
    click.echo(f"written to {folder / 'report.md'} with {len(charts)} charts")


def _files(path: Path) -> Any:
    from adapters.torch.gan import TorchGeneratorFiles

    return TorchGeneratorFiles(path.parent)


def _floats(text: str, option: str) -> tuple[float, ...]:
    try:
        values = tuple(float(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise ValueError(f"{option}: {text!r} is not a comma-separated list of numbers") from None
    if not values:
        raise ValueError(f"{option}: name at least one value")
    return values


@contextmanager
def _epoch_bar(show: bool) -> Iterator[Any]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from application.research.gan_ports import GanEpoch, GanObserver

    console = Console(stderr=True, quiet=not show)

    class Bar(GanObserver):
        def __init__(self, progress: Progress) -> None:
            self.progress, self.task = progress, progress.add_task("GAN epochs", total=None)

        def epoch_started(self, epoch: int, epochs: int) -> None:
            self.progress.update(self.task, total=epochs)

        def epoch_done(self, record: GanEpoch) -> None:
            self.progress.update(self.task, completed=record.epoch)
            console.print(f"epoch {record.epoch}: critic loss {record.critic_loss:.4f}, generator loss "
                          f"{record.generator_loss:.4f}, {record.seconds:.1f} s")

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=not show, transient=True) as progress:
        yield Bar(progress)
