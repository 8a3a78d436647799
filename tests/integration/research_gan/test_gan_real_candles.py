"""`tradeai research gan` on four real days of BTCUSDT (2025-05-20 to 05-24, one unbroken block),
read in place from ../shared/data (never copied): tiny settings, the same three commands as the
documented run, and the real-data properties the synthetic candles must keep."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.files.ohlcv_csv import OhlcvCsvReader
from adapters.parquet import ParquetCandleStore
from domain.market.candles import Pair, datetime_to_ms
from entrypoints.cli import cli
from tests.integration.research_gan.test_cli_research_gan import invoke

pytestmark = pytest.mark.shared_data


@pytest.fixture(scope="module")
def data_dir(spot_1m_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gan-real") / "data"
    candles = OhlcvCsvReader().read(str(spot_1m_dir / "BTCUSDT.csv.gz")).candles
    t = candles.open_time_ms
    first, last = (datetime_to_ms(datetime(2025, 5, day, tzinfo=UTC)) for day in (20, 24))
    keep = (t >= first) & (t < last)
    assert keep.sum() == 4 * 1440, "expected four whole days of BTCUSDT from 2025-05-20"
    ParquetCandleStore.in_data_dir(folder).merge(Pair("BTCUSDT"), candles.take(keep), "shared")
    result = CliRunner().invoke(cli, ["features", "build", "--data-dir", str(folder), "--pairs", "BTCUSDT",
                                      "--fit-start", "2025-05-20", "--fit-end", "2025-05-22T23:45", "--out",
                                      str(folder / "features" / "real.parquet")], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    return folder


def test_gan_commands_on_real_candles(data_dir: Path) -> None:
    code, out, err = invoke("research", "gan", "train", "--pair", "BTCUSDT", "--train-start", "2025-05-20",
                            "--train-end", "2025-05-23", "--data-dir", str(data_dir), "--epochs", "2", "--window",
                            "32", "--stride", "16", "--json")
    assert code == 0, err
    version = json.loads(out)["version"]
    code, out, err = invoke("research", "gan", "sample", "--generator",
                            str(data_dir / "generators" / f"{version}.json"), "--feature-set", "real", "--paths", "40",
                            "--length", "150", "--data-dir", str(data_dir), "--json")
    assert code == 0, err
    code, out, err = invoke("research", "gan", "report", "--synthetic-set", json.loads(out)["name"],
                            "--validation-end", "2025-05-24", "--seeds", "0,1", "--epochs", "1", "--max-samples",
                            "600", "--data-dir", str(data_dir), "--json")
    assert code == 0, err
    report = json.loads(out)
    quality = report["quality"]
    assert quality["prices_positive"] and quality["min_price_synthetic"] > 50_000  # BTC near 100k then
    assert quality["clustering_real"] > 0.1  # real minutes cluster: the statistic sees it
    assert 0 <= quality["returns_ks"]["statistic"] <= 1
    assert {run["validation_rows"] for run in report["ablation"]["runs"]} == {600}
    assert report["ablation"]["periods"]["validation"] == ["2025-05-23T00:00:00+00:00", "2025-05-24T00:00:00+00:00"]
