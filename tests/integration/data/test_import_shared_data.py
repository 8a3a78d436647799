"""Import every real candle file and compare `data validate` with a count done here with pandas."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from entrypoints.cli import cli

pytestmark = [pytest.mark.slow, pytest.mark.shared_data]


def independent_counts(path: Path) -> dict[str, object]:
    t = pd.read_csv(path, usecols=["open_time"])["open_time"].to_numpy(dtype=np.int64)
    t = np.unique(t)
    steps = np.diff(t)
    return {
        "rows": len(t),
        "gap_count": int((steps > 60_000).sum()),
        "missing_minutes": int((steps[steps > 60_000] // 60_000 - 1).sum()),
        "first_open_time": pd.Timestamp(t[0], unit="ms", tz="UTC").isoformat(),
        "last_open_time": pd.Timestamp(t[-1], unit="ms", tz="UTC").isoformat(),
    }


def test_import_all_shared_files_and_validate(spot_1m_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    files = sorted(spot_1m_dir.glob("*.csv.gz"))
    assert files
    imported = runner.invoke(cli, ["data", "import", *map(str, files), "--data-dir", str(tmp_path), "--json"])
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["bad_row_count"] == 0

    validated = runner.invoke(cli, ["data", "validate", "--data-dir", str(tmp_path), "--json"])
    assert validated.exit_code == 0, validated.output
    reports = json.loads(validated.stdout)
    assert set(reports) == {f.name.split(".")[0] for f in files}
    for path in files:
        report = reports[path.name.split(".")[0]]
        expected = independent_counts(path)
        assert {key: report[key] for key in expected} == expected, path.name
        assert len(report["gaps"]) == report["gap_count"]
        assert sum(g["minutes"] for g in report["gaps"]) == report["missing_minutes"]
        assert report["row_errors"] == 0

    again = runner.invoke(cli, ["data", "import", str(files[0]), "--data-dir", str(tmp_path), "--json"])
    assert json.loads(again.stdout)["added"] == {files[0].name.split(".")[0]: 0}
