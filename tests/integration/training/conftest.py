"""A real feature set for the training tests: eight days of BTCUSDT and ETHUSDT (2020-05-22 to
05-30, a stretch both hold without gaps) read in place from ../shared/data into a temporary candle
store, built by `tradeai features build` with the fit window on the first four days."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from adapters.parquet import ParquetCandleStore
from domain.market.candles import Pair, datetime_to_ms
from domain.market.quality import Ohlcv
from entrypoints.cli import cli

FIRST, LAST = datetime(2020, 5, 22, tzinfo=UTC), datetime(2020, 5, 30, tzinfo=UTC)
# rows of each file read to reach LAST (BTCUSDT holds 2018-2019 blocks before it)
ROWS = {"BTCUSDT": 116_000, "ETHUSDT": 13_000}
SPLIT = ("--train-end", "2020-05-26", "--validation-end", "2020-05-28")
SET = "real"


def candles(path: Path, rows: int) -> Ohlcv:
    frame = pd.read_csv(path, nrows=rows)
    t = frame["open_time"].to_numpy(np.int64)
    keep = (t >= datetime_to_ms(FIRST)) & (t < datetime_to_ms(LAST))
    return Ohlcv(*(frame[c].to_numpy()[keep] for c in ("open_time", "open", "high", "low", "close", "volume")))


@pytest.fixture(scope="session")
def real_data_dir(spot_1m_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("training") / "data"
    store = ParquetCandleStore.in_data_dir(data_dir)
    for pair, rows in ROWS.items():
        loaded = candles(spot_1m_dir / f"{pair}.csv.gz", rows)
        assert len(loaded) == 8 * 1440, f"{pair}: expected eight whole days of candles"
        store.merge(Pair(pair), loaded, "shared")
    result = CliRunner().invoke(cli, ["features", "build", "--data-dir", str(data_dir), "--pairs", "BTCUSDT,ETHUSDT",
                                      "--fit-start", "2020-05-22", "--fit-end", "2020-05-25T23:45",
                                      "--out", str(data_dir / "features" / f"{SET}.parquet"), "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"] > 20_000
    return data_dir
