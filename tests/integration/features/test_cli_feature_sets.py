"""Feature set names: a build never replaces another set without --force, and `features list
--dir` finds sets written anywhere with --out."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.parquet import ParquetCandleStore
from domain.market.candles import Pair
from entrypoints.cli import cli
from tests.fakes.candles import make_candles

FIT = ("--fit-start", "2021-01-01", "--fit-end", "2021-01-02")


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def data_dir(tmp_path: Path) -> str:
    ParquetCandleStore.in_data_dir(tmp_path / "data").merge(Pair("BTCUSDT"), make_candles(2 * 1440, seed=1), "test")
    return str(tmp_path / "data")


def build(data_dir: str, *args: str) -> dict:  # type: ignore[type-arg]
    result = invoke("features", "build", "--data-dir", data_dir, *FIT, *args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def listed(*args: str) -> list[dict]:  # type: ignore[type-arg]
    result = invoke("features", "list", *args, "--verify", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_same_day_builds_keep_every_set(data_dir: str) -> None:
    first = build(data_dir)
    other = build(data_dir, "--horizon", "30")
    third = build(data_dir, "--dead-zone-bps", "3")
    today = first["name"]
    if not third["name"].startswith(today):
        pytest.skip("the UTC date changed during the test")
    assert today == f"features_{datetime.now(UTC):%Y-%m-%d}"
    assert (first["name"], other["name"], third["name"]) == (today, f"{today}.2", f"{today}.3")
    assert not (first["unchanged"] or other["unchanged"] or third["unchanged"])
    assert len({first["content_hash"], other["content_hash"], third["content_hash"]}) == 3

    again = build(data_dir, "--horizon", "30")  # identical to the second: found again, left alone
    assert (again["name"], again["unchanged"], again["content_hash"]) == (other["name"], True, other["content_hash"])
    rows = listed("--data-dir", data_dir)
    assert [r["name"] for r in rows] == [today, f"{today}.2", f"{today}.3"] and all(r["verified"] for r in rows)
    assert {r["content_hash"] for r in rows} == {first["content_hash"], other["content_hash"], third["content_hash"]}


def test_force_replaces_the_dated_set(data_dir: str) -> None:
    first = build(data_dir)
    forced = build(data_dir, "--horizon", "30", "--force")
    assert forced["name"] == first["name"] and not forced["unchanged"]
    assert [r["content_hash"] for r in listed("--data-dir", data_dir)] == [forced["content_hash"]]


def test_an_out_file_is_never_replaced_by_another_set_without_force(data_dir: str, tmp_path: Path) -> None:
    out = tmp_path / "sets" / "btc.parquet"
    first = build(data_dir, "--out", str(out))
    assert build(data_dir, "--out", str(out))["unchanged"]
    before = out.read_bytes()
    refused = invoke("features", "build", "--data-dir", data_dir, *FIT, "--horizon", "30", "--out", str(out))
    assert refused.exit_code == 2 and "already stored" in refused.output and "--force" in refused.output
    assert out.read_bytes() == before
    replaced = build(data_dir, "--horizon", "30", "--out", str(out), "--force")
    assert replaced["name"] == "btc" and replaced["content_hash"] != first["content_hash"]


def test_list_dir_finds_sets_written_with_out(data_dir: str, tmp_path: Path) -> None:
    out = tmp_path / "elsewhere" / "btc_2021.parquet"
    built = build(data_dir, "--out", str(out))
    assert listed("--data-dir", data_dir) == []  # not under <data-dir>/features
    [row] = listed("--dir", str(out.parent))
    assert (row["name"], row["content_hash"], row["verified"]) == ("btc_2021", built["content_hash"], True)
    text = invoke("features", "list", "--dir", str(tmp_path / "nothing"))
    assert text.exit_code == 0 and text.output.startswith(f"no feature sets under {tmp_path / 'nothing'}")
