"""TensorBoard scalars per epoch, when the ``tensorboard`` extra is installed; otherwise a one-line
notice and nothing written (training does not need it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from application.models.training.ports import ScalarLog

NOTICE = "tensorboard is not installed: no scalars written (pip install -e '.[tensorboard]')"


class TensorBoardScalars(ScalarLog):
    def __init__(self, folder: Path | str, notice: Callable[[str], None]) -> None:
        self.folder = Path(folder)
        self._notice = notice
        self._writers: dict[str, Any] = {}
        self._missing = False

    def write(self, run: str, step: int, scalars: Mapping[str, float]) -> None:
        writer = self._writer(run)
        if writer is None:
            return
        for tag, value in scalars.items():
            writer.add_scalar(tag, value, step)
        writer.flush()

    def _writer(self, run: str) -> Any:
        if self._missing:
            return None
        if run not in self._writers:
            try:
                from torch.utils.tensorboard import SummaryWriter
            except ImportError:
                self._missing = True
                self._notice(NOTICE)
                return None
            self._writers[run] = SummaryWriter(log_dir=str(self.folder / run))
        return self._writers[run]

    def close(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()
