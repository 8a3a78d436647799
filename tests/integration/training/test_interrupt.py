"""Ctrl-C (SIGINT) in the middle of `tradeai train` leaves no model file, no temporary file and no
run-log row: the process is really interrupted, not a simulated exception."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.training.conftest import SET, SPLIT

pytestmark = pytest.mark.shared_data


def test_sigint_while_training_leaves_nothing_half_written(real_data_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "models"
    command = [sys.executable, "-m", "entrypoints.cli", "train", "lstm", "--pair", "BTCUSDT",
               "--data-dir", str(real_data_dir), "--feature-set", SET, "--out", str(out), *SPLIT,
               "--hidden", "8", "--epochs", "200", "--patience", "200", "--max-samples", "3000", "--device", "cpu",
               "--threads", "1", "--leakage-samples", "0", "--min-coverage", "0.9"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stderr is not None
    deadline = time.monotonic() + 60
    for line in process.stderr:  # wait until training is under way
        if line.startswith("epoch 2:") or time.monotonic() > deadline:
            break
    process.send_signal(signal.SIGINT)
    _, rest = process.communicate(timeout=60)
    assert process.returncode == 1, rest
    assert "interrupted: no model was written" in rest
    # TensorBoard's event files (when the extra is installed) are logs of the attempt, not a model
    left = sorted(p.name for p in out.rglob("*") if p.is_file() and "tensorboard" not in p.parts) \
        if out.exists() else []
    assert left == [], left
