"""The weekly retraining and a requested one never run at once: the second asks and is told."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from entrypoints.job_lock import JobBusy, exclusive_job


def test_a_held_lock_refuses_a_second_holder_that_will_not_wait(tmp_path: Path) -> None:
    with exclusive_job(tmp_path, wait=False):
        # flock locks belong to the open file description: a second process sees it held
        probe = textwrap.dedent(f"""
            from pathlib import Path
            from entrypoints.job_lock import JobBusy, exclusive_job
            try:
                with exclusive_job(Path({str(tmp_path)!r}), wait=False):
                    print("acquired")
            except JobBusy as exc:
                print("busy:", exc)
        """)
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.startswith("busy:") and ".retrain.lock" in out


def test_the_lock_is_free_again_once_released_and_in_process_reentry_is_refused(tmp_path: Path) -> None:
    with exclusive_job(tmp_path, wait=False), pytest.raises(JobBusy), exclusive_job(tmp_path, wait=False):
        pass
    with exclusive_job(tmp_path, wait=False) as path:
        assert path == tmp_path / ".retrain.lock"
