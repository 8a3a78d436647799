"""`tradeai train` assembled: the use case from the container, a progress bar per epoch on stderr,
and the figures in words (validation and test against the baselines, with intervals)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from application.models.training.leakage import SetLeakageCheck
from application.models.training.ports import EpochRecord, TrainingObserver
from application.models.training.train import TrainModel, TrainReport
from domain.models.cards import CALIBRATION_ERROR, TEST, VALIDATION, accuracy_key, samples_key
from entrypoints.container import Container


def build_use_case(container: Container, features_dir: Path, out: Path, threads: int | None,
                   leakage_samples: int, seed: int, code_version: str) -> TrainModel:
    features = container.features()
    training = container.training()
    leakage = None
    if leakage_samples > 0:
        leakage = SetLeakageCheck(container.data().candle_store(), features.calculator(), leakage_samples, seed)
    return TrainModel(features.feature_store(folder=features_dir), training.trainer(threads=threads),
                      training.model_files(folder=out), training.run_log(folder=out), training.scalars(folder=out),
                      leakage, code_version)


class EpochBars(TrainingObserver):
    """A rich bar over each epoch's batches and a line per finished epoch, on stderr."""

    def __init__(self, progress: Any, console: Any) -> None:
        self._progress, self._console = progress, console
        self._task: Any = None
        self._best = float("inf")

    def epoch_started(self, epoch: int, epochs: int, batches: int) -> None:
        if self._task is not None:
            self._progress.remove_task(self._task)
        self._task = self._progress.add_task(f"epoch {epoch}/{epochs}", total=batches, loss=float("nan"))

    def batch_done(self, batch: int, loss: float) -> None:
        self._progress.update(self._task, completed=batch, loss=loss)

    def epoch_done(self, record: EpochRecord) -> None:
        mark = " (best so far: kept)" if record.improved else ""
        rate = record.samples / record.seconds if record.seconds > 0 else 0.0
        self._console.print(f"epoch {record.epoch}: train loss {record.train_loss:.5f}, validation loss "
                            f"{record.validation_loss:.5f}{mark}, {record.seconds:.1f} s, {rate:,.0f} samples/s")


@contextmanager
def epoch_bars(show: bool) -> Iterator[EpochBars]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True, quiet=not show, soft_wrap=True)
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("batches"),
               TextColumn("loss {task.fields[loss]:.4f}"), TimeElapsedColumn())
    with Progress(*columns, console=console, disable=not show, transient=True) as progress:
        yield EpochBars(progress, console)


def describe(report: TrainReport) -> str:
    card = report.card
    lines = [f"{card.name}: written to {report.location} (card {Path(report.location).with_suffix('.json')})",
             f"  feature set {card.feature_set} ({card.feature_set_hash[:19]}), window {card.window}, seed "
             f"{card.seed}, device {report.device}, {report.seconds:.0f} s",
             "  split " + " · ".join(f"{name} {b[0][:16]} -> {b[1][:16]}" for name, b in card.split.items()),
             f"  best epoch {report.best_epoch} of {len(report.history)} run (early stopping on the validation loss)",
             f"  {'period':<11}{'pair':<10}{'samples':>9}  {'accuracy':>8}  {'95% CI (eff. n)':<22}"
             f"{'majority':>9}{'momentum':>10}{'Brier':>8}"]
    for period in (VALIDATION, TEST):
        figures = card.metrics.get(period, {})
        lines += [_pair_line(period, pair, figures) for pair in card.pairs]
    lines += _calibration_lines(card.calibration, card.metrics.get(VALIDATION, {}), card.metrics.get(TEST, {}))
    if "trend_mae" in card.metrics.get(VALIDATION, {}):
        lines += [_trend_line(period, card.metrics.get(period, {})) for period in (VALIDATION, TEST)]
    lines.append(f"  leakage: {_leakage(report)}")
    lines += [f"  baseline {name}: {rule}" for name, rule in report.baselines.items()]
    lines.append(f"  run logged to {report.runs_log}")
    return "\n".join(lines)


def _pair_line(period: str, pair: str, f: Mapping[str, float]) -> str:
    low, high = f.get(f"wilson_low_{pair}"), f.get(f"wilson_high_{pair}")
    interval = f"{_pct(low)}-{_pct(high)} ({f.get(f'effective_samples_{pair}', 0):,.0f})" if low is not None else "-"
    return (f"  {period:<11}{pair:<10}{f.get(samples_key(pair), 0):>9,.0f}  {_pct(f.get(accuracy_key(pair))):>8}  "
            f"{interval:<22}{_pct(f.get(f'majority_accuracy_{pair}')):>9}"
            f"{_pct(f.get(f'momentum_accuracy_{pair}')):>10}{_num(f.get(f'brier_{pair}')):>8}")


def _calibration_lines(calibration: Mapping[str, Any] | None, validation: Mapping[str, float],
                       test: Mapping[str, float]) -> list[str]:
    if calibration is None:
        return []
    state = "applied" if calibration["applied"] else f"not applied (error within {_pct(calibration['max_error'])})"
    tiers = [f"{name} {_pct(f[CALIBRATION_ERROR])} on {f.get('tier_samples', 0):,.0f} samples in a tier"
             if CALIBRATION_ERROR in f else f"{name}: no sample reaches a tier"
             for name, f in (("validation", validation), ("test", test))]
    return [f"  calibration: {calibration['method']} {state}; ECE validation {_pct(calibration['error_before'])} -> "
            f"{_pct(calibration['error_after'])} (out of fold), test {_pct(test.get('ece_raw'))} -> "
            f"{_pct(test.get('ece'))}",
            "  tier calibration MAE (the gate's figure): " + "; ".join(tiers)]


def _trend_line(period: str, f: Mapping[str, float]) -> str:
    return (f"  trend {period}: MAE {_num(f.get('trend_mae'))}, correlation {_num(f.get('trend_corr'))}, "
            f"sign agreement {_pct(f.get('trend_sign_accuracy'))} (against label_efficiency)")


def _leakage(report: TrainReport) -> str:
    verdict = {True: "passed", False: "FAILED", None: "unknown"}[report.leakage.passed]
    return f"{verdict} ({report.leakage.how})"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _num(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}"
