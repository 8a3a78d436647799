"""`tradeai data ...` exit codes and messages for the cases a script relies on: conflicts and holes
in downloads, splits with nothing usable, embargo shorter than the horizon, option names in errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from adapters.parquet import ParquetCandleStore
from domain.market.candles import MINUTE_MS, Pair, datetime_to_ms
from domain.market.quality import Ohlcv
from tests.fakes.candles import T0, drop_minutes, make_candles
from tests.integration.data.kline_server import Fault, KlineServer, Rows
from tests.integration.data.test_cli_data import csv_text, invoke

BTC = Pair("BTCUSDT")
DAY = 1440


@pytest.fixture
def real_candles() -> Ohlcv:
    """Overrides the conftest's shared-file rows: its kline server serves these candles built in
    code, so these tests run without ../shared/data."""
    return make_candles(3 * DAY)


@pytest.fixture
def candles(real_candles: Ohlcv) -> Ohlcv:
    return real_candles


def import_file(tmp_path: Path, candles: Ohlcv, name: str = "BTCUSDT.csv") -> str:
    files = tmp_path / "files"
    files.mkdir(exist_ok=True)
    (files / name).write_text(csv_text(candles))
    store = str(tmp_path / "data")
    result = invoke("data", "import", str(files / name), "--data-dir", store)
    assert result.exit_code == 0, result.output
    return store


def download(url: str, store: str, *extra: str):  # type: ignore[no-untyped-def]
    return invoke("data", "download", "--pairs", "BTCUSDT", "--start", "2021-01-01", "--end", "2021-01-04",
                  "--base-url", url, "--data-dir", store, *extra)


def test_download_fetches_only_the_holes_of_the_store(tmp_path: Path, candles: Ohlcv, kline_server: KlineServer,
                                                      base_url: str) -> None:
    store = import_file(tmp_path, drop_minutes(candles, *range(100, 110)))
    result = download(base_url, store, "--json")
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.stdout)["pairs"]
    assert (report["ranges"], report["fetched"], report["added"], report["conflicts"]) == (1, 10, 10, 0)
    assert [r["startTime"] for r in kline_server.requests] == [T0 + 100 * MINUTE_MS]
    assert len(ParquetCandleStore.in_data_dir(store).load(BTC)) == 3 * DAY


def test_download_conflicts_are_listed_keep_the_stored_values_and_exit_1(
        tmp_path: Path, candles: Ohlcv, kline_server: KlineServer, base_url: str) -> None:
    store = import_file(tmp_path, candles.take(slice(0, DAY)))
    rival = make_candles(3 * DAY, seed=9).take(slice(DAY, DAY + 7))  # other values for the first 7 minutes asked

    def another_writer(rows: Rows) -> Rows:
        # stands in for a second process storing those minutes while the download runs
        ParquetCandleStore.in_data_dir(store).merge(BTC, rival, "rival")
        return rows

    kline_server.script(Fault(rewrite=another_writer))
    result = download(base_url, store)
    assert result.exit_code == 1
    assert "7 downloaded candles differ from the stored ones (stored values kept)" in result.output
    assert "2021-01-02T00:00:00+00:00, 2021-01-02T00:01:00+00:00" in result.output and "and 2 more" in result.output
    stored = ParquetCandleStore.in_data_dir(store).load(BTC)
    assert len(stored) == 3 * DAY
    assert np.array_equal(stored.close[DAY:DAY + 7], rival.close)

    kline_server.script(Fault(rewrite=another_writer))
    again = download(base_url, store, "--json")
    assert again.exit_code == 0  # nothing left to fetch, so nothing to conflict with
    assert json.loads(again.stdout)["pairs"][0]["conflicts"] == 0


def test_splits_of_an_empty_store_fail_and_still_print_json(tmp_path: Path) -> None:
    result = invoke("data", "splits", "--data-dir", str(tmp_path), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout) == []
    assert "no candles stored" in result.stderr


def test_splits_with_no_usable_split_fail(tmp_path: Path, candles: Ohlcv) -> None:
    store = import_file(tmp_path, candles)
    result = invoke("data", "splits", "--data-dir", store, "--json", "--now", "2025-06-01")
    assert result.exit_code == 1
    assert json.loads(result.stdout)[0]["usable"] is False
    assert "no usable split" in result.stderr and "--min-coverage" in result.stderr
    rolling = invoke("data", "splits", "--data-dir", store, "--rolling", "--train-months", "1")
    assert rolling.exit_code == 1 and "too little history" in rolling.stderr


def test_usable_rolling_splits_exit_0_with_the_horizon_as_embargo(tmp_path: Path) -> None:
    jan = make_candles(DAY)  # 2021-01-01
    feb = make_candles(2 * DAY, datetime_to_ms(datetime(2021, 2, 27, tzinfo=UTC)))  # to the end of February
    store = import_file(tmp_path, Ohlcv.concat([jan, feb]))
    args = ["data", "splits", "--data-dir", store, "--rolling", "--train-months", "1", "--validate-months", "1",
            "--min-coverage", "0.01", "--json"]
    result = invoke(*args, "--horizon", "45")
    assert result.exit_code == 0, result.output
    [split] = json.loads(result.stdout)
    assert (split["usable"], split["embargo_minutes"], split["horizon_minutes"]) == (True, 45, 45)
    assert split["periods"][0]["end"] == "2021-01-31T23:15:00+00:00"


@pytest.mark.parametrize("args", [["--embargo-minutes", "0"], ["--horizon", "30", "--embargo-minutes", "20"]])
def test_an_embargo_shorter_than_the_horizon_is_bad_usage(tmp_path: Path, args: list[str]) -> None:
    result = invoke("data", "splits", "--data-dir", str(tmp_path), *args)
    assert result.exit_code == 2
    assert "--embargo-minutes" in result.output and "shorter than the label horizon" in result.output


@pytest.mark.parametrize("value", ["XYZ", "BTCUSDT,ETHUSDT"])
def test_import_errors_name_the_pair_option_typed(tmp_path: Path, value: str) -> None:
    result = invoke("data", "import", str(tmp_path), "--pair", value, "--data-dir", str(tmp_path))
    assert result.exit_code == 2
    assert "--pair:" in result.output and "--pairs" not in result.output
