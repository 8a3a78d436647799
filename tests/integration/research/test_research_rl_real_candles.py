"""`tradeai research rl evaluate` on real candles (../shared/data, read in place, never copied):
four days of BTCUSDT in May 2020, a tiny PPO run, the engine and walk figures, the verdict written
and judged by `admit`."""

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

pytest.importorskip("stable_baselines3", reason="the research extra (gymnasium, stable-baselines3) is not installed")

FIRST, LAST = datetime(2020, 5, 22, tzinfo=UTC), datetime(2020, 5, 26, tzinfo=UTC)
ROWS = 110_000  # rows of BTCUSDT.csv.gz read to reach LAST (2018-2019 blocks come first)


@pytest.mark.shared_data
@pytest.mark.slow
def test_evaluate_on_real_candles(spot_1m_dir: Path, tmp_path: Path) -> None:
    frame = pd.read_csv(spot_1m_dir / "BTCUSDT.csv.gz", nrows=ROWS)
    t = frame["open_time"].to_numpy(np.int64)
    keep = (t >= datetime_to_ms(FIRST)) & (t < datetime_to_ms(LAST))
    candles = Ohlcv(*(frame[c].to_numpy()[keep] for c in ("open_time", "open", "high", "low", "close", "volume")))
    assert len(candles) == 4 * 1440, "expected four whole days of BTCUSDT candles"
    data = tmp_path / "data"
    ParquetCandleStore.in_data_dir(data).merge(Pair("BTCUSDT"), candles, "shared")
    runner = CliRunner()
    built = runner.invoke(cli, ["features", "build", "--data-dir", str(data), "--pairs", "BTCUSDT",
                                "--fit-start", "2020-05-22", "--fit-end", "2020-05-24T23:45",
                                "--out", str(data / "features" / "real.parquet"), "--json"])
    assert built.exit_code == 0, built.output
    out = tmp_path / "rl"
    judged = runner.invoke(cli, ["research", "rl", "evaluate", "--data-dir", str(data), "--features", "real",
                                 "--train-start", "2020-05-22", "--train-end", "2020-05-25",
                                 "--test-start", "2020-05-25T01:00", "--timesteps", "256", "--n-steps", "64",
                                 "--episode-bars", "16", "--out", str(out), "--json"])
    assert judged.exit_code == 0, judged.output
    result = json.loads(judged.stdout)
    assert result["train_bars"] > 250 and result["test_bars"] > 80
    engine, walks = result["out_of_sample"], result["walk"]  # the engine judged, the walk reported
    assert engine["flat"]["return_pct"] == 0.0 and engine["supervised:baseline-momentum-k0.5"]["trades"] > 0
    assert walks["flat"]["return_pct"] == 0.0 and walks["supervised:baseline-momentum-k0.5"]["trades"] > 0
    admitted = runner.invoke(cli, ["research", "rl", "admit", "--verdict", str(out / "verdict.json")])
    assert admitted.exit_code == (0 if result["passed"] else 1)
