"""models/runs.csv: appended, never rewritten, a foreign file refused, a torn line closed."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from adapters.torch import CsvRunLog, RunLogError


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_rows_are_appended_under_one_header(tmp_path: Path) -> None:
    log = CsvRunLog(tmp_path / "models" / "runs.csv", columns=("name", "params"))
    log.append({"name": "a", "params": '{"x": 1, "y": "q,\\"z"}'})
    log.append({"name": "b"})
    assert rows(log.path) == [{"name": "a", "params": '{"x": 1, "y": "q,\\"z"}'}, {"name": "b", "params": ""}]


def test_a_file_with_another_header_is_refused_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    path.write_text("something,else\n1,2\n")
    with pytest.raises(RunLogError, match="header"):
        CsvRunLog(path, columns=("name",)).append({"name": "a"})
    assert path.read_text() == "something,else\n1,2\n"
    with pytest.raises(RunLogError, match="columns the log does not"):
        CsvRunLog(tmp_path / "other.csv", columns=("name",)).append({"nmae": "typo"})


def test_a_torn_last_line_does_not_swallow_the_next_row(tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    log = CsvRunLog(path, columns=("name", "seed"))
    log.append({"name": "a", "seed": 1})
    with path.open("a") as handle:
        handle.write("torn,")  # a crash mid-line elsewhere
    log.append({"name": "b", "seed": 2})
    assert path.read_text().splitlines()[-1] == "b,2"
