"""The training context's adapters: the torch trainer, the model files, the run log and the
TensorBoard scalars, all under the settings' model folder unless a command passes folder=."""

from __future__ import annotations

import sys
from pathlib import Path

from dependency_injector import containers, providers

from application.models.training.ports import ModelFiles, ModelTrainer, RunLog, ScalarLog
from entrypoints.settings import Settings

RUNS_FILE = "runs.csv"
SCALARS_FOLDER = "tensorboard"


def _model_folder(settings: Settings) -> Path:
    return Path(settings.predictor.model_dir)


def _trainer(threads: int | None = None) -> ModelTrainer:
    from adapters.torch import TorchTrainer

    return TorchTrainer(threads)


def _model_files(folder: Path) -> ModelFiles:
    from adapters.torch import TorchModelFiles

    return TorchModelFiles(folder)


def _run_log(folder: Path) -> RunLog:
    from adapters.torch import CsvRunLog

    return CsvRunLog(Path(folder) / RUNS_FILE)


def _notice(text: str) -> None:
    print(text, file=sys.stderr)


def _scalars(folder: Path) -> ScalarLog:
    from adapters.torch import TensorBoardScalars

    return TensorBoardScalars(Path(folder) / SCALARS_FOLDER, _notice)


class TrainingContainer(containers.DeclarativeContainer):
    settings: providers.Dependency[Settings] = providers.Dependency(instance_of=Settings)

    model_folder: providers.Callable[Path] = providers.Callable(_model_folder, settings)
    trainer: providers.Factory[ModelTrainer] = providers.Factory(_trainer)
    model_files: providers.Factory[ModelFiles] = providers.Factory(_model_files, folder=model_folder)
    run_log: providers.Factory[RunLog] = providers.Factory(_run_log, folder=model_folder)
    scalars: providers.Factory[ScalarLog] = providers.Factory(_scalars, folder=model_folder)
