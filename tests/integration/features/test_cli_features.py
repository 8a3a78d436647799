"""`tradeai features ...` end to end on a candle store filled in code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.parquet import ParquetCandleStore
from domain.market.candles import Pair
from entrypoints.cli import cli
from tests.fakes.candles import drop_minutes, make_candles

FIT = ("--fit-start", "2021-01-01", "--fit-end", "2021-01-02")


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def data_dir(tmp_path: Path) -> str:
    store = ParquetCandleStore.in_data_dir(tmp_path / "data")
    store.merge(Pair("BTCUSDT"), drop_minutes(make_candles(3 * 1440, seed=1), *range(2000, 2030)), "test")
    store.merge(Pair("ETHUSDT"), make_candles(3 * 1440, seed=2, price=10.0), "test")
    return str(tmp_path / "data")


@pytest.mark.parametrize("command", ["build", "list", "check-leakage"])
def test_every_command_has_help(command: str) -> None:
    result = invoke("features", command, "--help")
    assert result.exit_code == 0 and "--data-dir" in result.output


def test_build_list_and_rebuild(data_dir: str, tmp_path: Path) -> None:
    built = invoke("features", "build", "--data-dir", data_dir, *FIT, "--json")
    assert built.exit_code == 0, built.output
    payload = json.loads(built.stdout)
    assert payload["name"].startswith("features_") and not payload["unchanged"]
    assert payload["pairs"]["BTCUSDT"]["excluded"] == {"warmup": 60, "gap": 60}
    assert Path(payload["location"]).parent == Path(data_dir) / "features"
    manifest = json.loads(Path(payload["location"]).with_suffix(".json").read_text())
    assert set(manifest["inputs"]["BTCUSDT"]["partitions"]) == {"2021-01"}
    assert manifest["inputs"]["BTCUSDT"]["partitions"]["2021-01"].startswith("sha256:")

    again = invoke("features", "build", "--data-dir", data_dir, *FIT, "--json")
    assert json.loads(again.stdout)["unchanged"] and json.loads(again.stdout)["content_hash"] == payload["content_hash"]

    listed = invoke("features", "list", "--data-dir", data_dir, "--verify", "--json")
    assert listed.exit_code == 0
    [row] = json.loads(listed.stdout)
    assert row["verified"] and row["pairs"] == ["BTCUSDT", "ETHUSDT"] and row["rows"] == payload["rows"]


def test_out_path_and_options(data_dir: str, tmp_path: Path) -> None:
    out = tmp_path / "sets" / "btc.parquet"
    result = invoke("features", "build", "--data-dir", data_dir, "--pairs", "btc/usdt", "--start", "2021-01-02",
                    "--end", "2021-01-03", "--horizon", "30", "--dead-zone-bps", "2", *FIT, "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "btc: 1,350 rows written" in result.output  # 1,440 minus 30 missing minus 60 after the gap
    assert "excluded warmup 0, gap 60; labels missing 60" in result.output
    manifest = json.loads(out.with_suffix(".json").read_text())
    assert manifest["label_spec"] == {"horizon": 30, "dead_zone_bps": 2.0}
    assert manifest["range"] == {"start": "2021-01-02T00:00:00+00:00", "end": "2021-01-03T00:00:00+00:00"}


def test_a_tampered_feature_set_fails_verification(data_dir: str) -> None:
    built = json.loads(invoke("features", "build", "--data-dir", data_dir, *FIT, "--json").stdout)
    manifest_path = Path(built["location"]).with_suffix(".json")
    manifest = json.loads(manifest_path.read_text())
    manifest["pairs"]["BTCUSDT"]["normalizer"]["ret_1"]["std"] *= 2
    manifest_path.write_text(json.dumps(manifest))
    listed = invoke("features", "list", "--data-dir", data_dir, "--verify")
    assert listed.exit_code == 1 and "HASH MISMATCH" in listed.output


@pytest.mark.parametrize(("args", "message"), [
    (("--pairs", "NOT A PAIR"), "--pairs"),
    (("--pairs", "SOLUSDT", *FIT), "SOLUSDT: no candles"),
    (("--fit-start", "2030-01-01", "--fit-end", "2030-02-01"), "no usable candles in the fit window"),
    (("--start", "yesterday", *FIT), "--start"),
    (("--fit-start", "2021-01-02", "--fit-end", "2021-01-01"), "--fit-end must be after --fit-start"),
    (("--out", "x.csv", *FIT), "must end in .parquet"),
])
def test_bad_input_exits_2_and_writes_nothing(data_dir: str, args: tuple[str, ...], message: str) -> None:
    result = invoke("features", "build", "--data-dir", data_dir, *args)
    assert result.exit_code == 2
    assert message in result.output
    assert not (Path(data_dir) / "features").exists()


def test_empty_store_is_bad_usage(tmp_path: Path) -> None:
    result = invoke("features", "build", "--data-dir", str(tmp_path), *FIT)
    assert result.exit_code == 2 and "no candles stored" in result.output
    assert invoke("features", "list", "--data-dir", str(tmp_path)).output.startswith("no feature sets")


def test_check_leakage_passes_and_reports_as_json(data_dir: str) -> None:
    result = invoke("features", "check-leakage", "--data-dir", data_dir, "--pairs", "BTCUSDT", "--samples", "6",
                    "--seed", "3", *FIT, "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"passed": True, "seed": 3, "cases": 13, "failures": []}


def test_check_leakage_with_an_empty_fit_window_is_bad_usage(data_dir: str) -> None:
    result = invoke("features", "check-leakage", "--data-dir", data_dir, "--fit-start", "2030-01-01",
                    "--fit-end", "2030-02-01")
    assert result.exit_code == 2 and "no usable candles in the fit window" in result.output


def test_an_unreadable_manifest_is_listed_as_broken(data_dir: str) -> None:
    built = json.loads(invoke("features", "build", "--data-dir", data_dir, *FIT, "--json").stdout)
    Path(built["location"]).with_suffix(".json").write_text("{not json")
    listed = invoke("features", "list", "--data-dir", data_dir)
    assert listed.exit_code == 1 and "BROKEN" in listed.output and "unreadable manifest" in listed.output
