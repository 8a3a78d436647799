"""Kline extras from a data.binance.vision archive file to the feature set, through the CLI:
`data import` keeps them, the candle store holds them, `features build` turns them into
features and `features check-leakage` checks those too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from adapters.features import ParquetFeatureStore
from domain.market.extras import OhlcvExtras
from domain.market.quality import COLUMNS, Ohlcv
from entrypoints.cli import cli
from tests.fakes.candles import T0, make_candles
from tests.unit.features.kline_files import kline_lines, with_extras, write_zip

FIT = ("--fit-start", "2021-01-01", "--fit-end", "2021-01-02")
EXTRA_FEATURES = ["log_quote_volume", "log_trades", "taker_buy_ratio"]
DAY = 1440


def invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def btc() -> OhlcvExtras:
    return with_extras(make_candles(3 * DAY, seed=1), seed=1)


def import_files(data_dir: Path, *paths: str) -> dict[str, Any]:
    result = invoke("data", "import", *paths, "--data-dir", str(data_dir), "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def build(data_dir: Path) -> dict[str, Any]:
    result = invoke("features", "build", "--data-dir", str(data_dir), *FIT, "--json")
    assert result.exit_code == 0, result.output
    location = Path(json.loads(result.stdout)["location"])
    return json.loads(location.with_suffix(".json").read_text())  # type: ignore[no-any-return]


def ohlcv_csv(path: Path, candles: Ohlcv) -> str:
    rows = zip(*(getattr(candles, name).tolist() for name in COLUMNS), strict=True)
    path.write_text("open_time,open,high,low,close,volume\n" + "".join(
        f"{t},{o!r},{h!r},{lo!r},{c!r},{v!r}\n" for t, o, h, lo, c, v in rows))
    return str(path)


def test_an_archive_file_becomes_extra_features(tmp_path: Path, btc: OhlcvExtras) -> None:
    data_dir = tmp_path / "data"
    import_files(data_dir, write_zip(tmp_path / "BTCUSDT-1m-2021-01.zip", kline_lines(btc)))
    manifest = build(data_dir)
    assert manifest["features"][manifest["features"].index("ar_spread_60") + 1:][:3] == EXTRA_FEATURES
    assert set(EXTRA_FEATURES) <= set(manifest["normalized"])
    feature_set = ParquetFeatureStore.in_data_dir(data_dir).read(manifest["name"])
    frame = feature_set.frame
    minutes = (frame.index.as_unit("ms").asi8 - T0) // 60_000
    ratio = feature_set.normalizer("BTCUSDT").invert("taker_buy_ratio", frame["taker_buy_ratio"].to_numpy())
    np.testing.assert_allclose(ratio, btc.taker_buy_volume[minutes] / btc.volume[minutes], rtol=1e-5, atol=1e-6)

    leakage = invoke("features", "check-leakage", "--data-dir", str(data_dir), "--samples", "4", *FIT, "--json")
    assert leakage.exit_code == 0, leakage.output
    assert json.loads(leakage.stdout)["passed"]


def test_without_extras_the_build_is_as_before_and_the_archive_adds_them_later(tmp_path: Path,
                                                                                btc: OhlcvExtras) -> None:
    data_dir = tmp_path / "data"
    import_files(data_dir, ohlcv_csv(tmp_path / "BTCUSDT.csv", btc))
    plain = build(data_dir)
    assert not set(EXTRA_FEATURES) & set(plain["features"])
    partition = data_dir / "candles" / "BTCUSDT" / "2021-01.json"
    hash_before = json.loads(partition.read_text())["content_hash"]

    # the same minutes from the archive: no conflicts on the extras, they are filled in
    report = import_files(data_dir, write_zip(tmp_path / "BTCUSDT-1m-2021-01.zip", kline_lines(btc)))
    assert (report["conflict_count"], report["added"], report["unchanged"]) == (0, {"BTCUSDT": 0}, {"BTCUSDT": 3 * DAY})
    assert json.loads(partition.read_text())["content_hash"] != hash_before
    rich = build(data_dir)
    assert rich["name"] != plain["name"]  # a different set the same day gets its own name
    assert [f for f in rich["features"] if f not in EXTRA_FEATURES] == plain["features"]
    assert set(EXTRA_FEATURES) <= set(rich["features"])


def test_importing_several_archive_files_of_a_pair_at_once_keeps_the_extras(tmp_path: Path,
                                                                             btc: OhlcvExtras) -> None:
    data_dir = tmp_path / "data"
    days = [write_zip(tmp_path / f"BTCUSDT-1m-2021-01-0{d + 1}.zip", kline_lines(btc.take(slice(d * DAY, (d + 1) * DAY))))
            for d in range(3)]
    import_files(data_dir, *days)
    assert set(EXTRA_FEATURES) <= set(build(data_dir)["features"])


def test_one_import_per_archive_file_keeps_the_extras(tmp_path: Path, btc: OhlcvExtras) -> None:
    data_dir = tmp_path / "data"
    for d in range(3):
        day = btc.take(slice(d * DAY, (d + 1) * DAY))
        import_files(data_dir, write_zip(tmp_path / f"BTCUSDT-1m-2021-01-0{d + 1}.zip", kline_lines(day)))
    assert set(EXTRA_FEATURES) <= set(build(data_dir)["features"])


def test_extras_known_for_part_of_the_history_are_left_out(tmp_path: Path, btc: OhlcvExtras) -> None:
    data_dir = tmp_path / "data"
    import_files(data_dir, ohlcv_csv(tmp_path / "BTCUSDT.csv", btc.take(slice(0, DAY))))
    import_files(data_dir, write_zip(tmp_path / "BTCUSDT-1m-2021-01.zip", kline_lines(btc.take(slice(DAY, None)))))
    assert not set(EXTRA_FEATURES) & set(build(data_dir)["features"])  # a column with holes is no feature
