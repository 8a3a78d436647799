"""`tradeai data ...` end to end on small files built in code and a local kline server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from domain.market.candles import MINUTE_MS, ms_to_datetime
from domain.market.quality import Ohlcv
from entrypoints.cli import cli
from tests.fakes.candles import make_candles
from tests.integration.data.kline_server import Fault, KlineServer

HEADER = "open_time,open,high,low,close,volume"


def csv_text(candles: Ohlcv) -> str:
    rows = zip(candles.open_time_ms.tolist(), candles.open.tolist(), candles.high.tolist(), candles.low.tolist(),
               candles.close.tolist(), candles.volume.tolist(), strict=True)
    return "\n".join([HEADER, *(",".join(map(repr, row)) for row in rows)]) + "\n"


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture
def btc_file(tmp_path: Path) -> Path:
    path = tmp_path / "files" / "BTCUSDT.csv"
    path.parent.mkdir()
    candles = make_candles(3 * 1440)
    keep = [i for i in range(len(candles)) if not 100 <= i < 110]
    path.write_text(csv_text(candles.take(keep)))
    return path


@pytest.mark.parametrize("command", ["download", "import", "validate", "list", "splits"])
def test_every_command_has_help(command: str) -> None:
    result = invoke("data", command, "--help")
    assert result.exit_code == 0 and "--data-dir" in result.output


def test_import_validate_list_splits(tmp_path: Path, btc_file: Path) -> None:
    store = str(tmp_path / "data")
    imported = invoke("data", "import", str(btc_file.parent), "--data-dir", store, "--json")
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.stdout)["added"] == {"BTCUSDT": 3 * 1440 - 10}
    assert (tmp_path / "data" / "candles" / "BTCUSDT" / "2021-01.parquet").exists()

    validated = invoke("data", "validate", "--data-dir", store, "--json")
    assert validated.exit_code == 0
    report = json.loads(validated.stdout)["BTCUSDT"]
    assert (report["rows"], report["gap_count"], report["missing_minutes"]) == (3 * 1440 - 10, 1, 10)
    assert report["first_open_time"] == "2021-01-01T00:00:00+00:00"
    assert report["gaps"] == [{"first_missing": "2021-01-01T01:40:00+00:00",
                               "last_missing": "2021-01-01T01:49:00+00:00", "minutes": 10}]
    assert {"duplicate", "non_monotonic", "off_grid", "ohlc_inconsistent", "zero_volume_runs",
            "extreme_returns", "time_unit"} <= set(report["checks"])

    listed = json.loads(invoke("data", "list", "--data-dir", store, "--json").stdout)
    assert listed["BTCUSDT"] == [{"month": "2021-01", "rows": 3 * 1440 - 10, "minutes": 31 * 1440,
                                  "coverage": round((3 * 1440 - 10) / (31 * 1440), 4)}]

    splits = json.loads(invoke("data", "splits", "--data-dir", store, "--json", "--now", "2025-06-01").stdout)
    train = splits[0]["coverage"]["BTCUSDT"][0]
    assert (train["period"], train["rows"], train["usable"]) == ("train", 3 * 1440 - 10, False)
    text = invoke("data", "splits", "--data-dir", store, "--now", "2025-06-01")
    assert "UNUSABLE" in text.output and text.exit_code == 1  # nothing usable to train on


def test_bad_row_refuses_the_import_with_exit_2(tmp_path: Path, btc_file: Path) -> None:
    lines = btc_file.read_text().splitlines()
    lines[41] = lines[41].replace(",", ",-", 1)  # line 42: negative open
    btc_file.write_text("\n".join(lines) + "\n")
    store = str(tmp_path / "data")
    refused = invoke("data", "import", str(btc_file), "--data-dir", store)
    assert refused.exit_code == 2
    assert f"{btc_file}, line 42: prices must be > 0" in refused.output
    assert not (tmp_path / "data" / "candles").exists()
    skipped = invoke("data", "import", str(btc_file), "--data-dir", store, "--skip-bad-rows", "--json")
    assert skipped.exit_code == 0
    assert json.loads(skipped.stdout)["bad_row_count"] == 1


def test_bad_usage_exits_2(tmp_path: Path) -> None:
    assert invoke("data", "import", str(tmp_path / "missing.csv"), "--data-dir", str(tmp_path)).exit_code == 2
    assert invoke("data", "validate", "--pairs", "not a pair", "--data-dir", str(tmp_path)).exit_code == 2
    assert invoke("data", "download", "--start", "yesterday", "--data-dir", str(tmp_path)).exit_code == 2


def test_validate_an_empty_store_fails(tmp_path: Path) -> None:
    assert invoke("data", "validate", "--data-dir", str(tmp_path)).exit_code == 1


def test_data_dir_from_environment(tmp_path: Path, btc_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_DIR", str(tmp_path / "env"))
    assert invoke("data", "import", str(btc_file)).exit_code == 0
    assert (tmp_path / "env" / "candles" / "BTCUSDT").is_dir()


def test_download_through_the_cli(tmp_path: Path, base_url: str, kline_server: KlineServer,
                                  real_candles: Ohlcv) -> None:
    start = ms_to_datetime(int(real_candles.open_time_ms[0])).isoformat()
    end = ms_to_datetime(int(real_candles.open_time_ms[2500])).isoformat()
    args = ["data", "download", "--pairs", "BNBUSDT", "--start", start, "--end", end, "--base-url", base_url,
            "--data-dir", str(tmp_path), "--json"]
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["pairs"][0]["added"] == 2500
    kline_server.script(Fault(status=418, headers={"Retry-After": "60"}))
    more = [*args[:7], ms_to_datetime(int(real_candles.open_time_ms[0]) + 3000 * MINUTE_MS).isoformat(), *args[8:]]
    banned = invoke(*more)
    assert banned.exit_code == 1 and "418" in json.loads(banned.stdout)["error"]
