"""TensorBoard scalars when the extra is installed; one notice and nothing written when not."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from adapters.torch import TensorBoardScalars
from adapters.torch.scalars import NOTICE


def test_without_tensorboard_one_notice_and_no_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "torch.utils.tensorboard", None)  # as if the extra were not installed
    notices: list[str] = []
    log = TensorBoardScalars(tmp_path, notices.append)
    for step in (1, 2, 3):
        log.write("run", step, {"loss/train": 0.7})
    log.close()
    assert notices == [NOTICE] and list(tmp_path.iterdir()) == []


def test_with_tensorboard_each_epoch_is_an_event(tmp_path: Path) -> None:
    pytest.importorskip("tensorboard")
    notices: list[str] = []
    log = TensorBoardScalars(tmp_path, notices.append)
    log.write("lstm_btc_x", 1, {"loss/train": 0.7, "loss/validation": 0.69})
    log.write("lstm_btc_x", 2, {"loss/train": 0.6, "loss/validation": 0.68})
    log.close()
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    events = EventAccumulator(str(tmp_path / "lstm_btc_x"))
    events.Reload()
    assert [e.value for e in events.Scalars("loss/validation")] == pytest.approx([0.69, 0.68])
    assert notices == []
