"""`tradeai backtest` with its bulk scoring on Dask workers that read the candle files by path: the
same trades as the single-process run, whether a task scores a pair or a few hours of one."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from adapters.brokers.paper import PaperBroker
from adapters.dask.runner import DaskTaskRunner
from adapters.predictors.baseline import BaselineMomentumPredictor
from adapters.predictors.random_direction import RandomDirectionPredictor
from application.backtest.engine import BacktestConfig, BacktestEngine
from application.backtest.ports import BulkPredictor, P90Costs
from application.backtest.scoring import BulkScoring, PieceScoring, ScoringMismatch
from application.backtest.trades import BacktestTrades
from application.runtime.scan_market import ScanConfig
from domain.market.candles import Pair
from domain.signals.signal import Mode
from entrypoints.candle_paths import CandleFilesReader
from entrypoints.cli import cli
from entrypoints.container.backtest import BacktestContainer
from tests.fakes.series import random_walk, write_csv

pytestmark = pytest.mark.dask
START = datetime(2024, 3, 1, 20, 0, tzinfo=UTC)  # spans a Prague midnight
END = START + timedelta(hours=10)
PAIRS = (Pair.parse("BTCUSDT"), Pair.parse("ETHUSDT"))


@pytest.fixture
def candle_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "candles"
    folder.mkdir()
    since = START - timedelta(hours=2)
    write_csv(str(folder / "BTCUSDT.csv"), random_walk(since, 14 * 60, seed=11, price=60_000.0, vol=0.0015))
    write_csv(str(folder / "ETHUSDT.csv"), random_walk(since, 14 * 60, seed=12, price=3_000.0, vol=0.0015))
    return folder


def _backtest(candle_dir: Path, predictor: BulkPredictor, scoring: BulkScoring | None = None) -> BacktestTrades:
    candles = BacktestContainer.candle_loader()([candle_dir], list(PAIRS))
    engine = BacktestEngine(predictor=predictor, costs=P90Costs(), broker_for=PaperBroker,
                            config=BacktestConfig(ScanConfig(pairs=PAIRS, mode=Mode.DRYRUN)), timer=lambda: 0.0,
                            scoring=scoring)
    return engine.run(candles, START, END)


@pytest.mark.parametrize("piece", [None, timedelta(hours=3)], ids=["by_pair", "by_pair_and_3_hours"])
@pytest.mark.parametrize("predictor", [BaselineMomentumPredictor(), RandomDirectionPredictor(seed=42)],
                         ids=["momentum", "random"])
def test_scoring_on_workers_from_a_file_url_gives_the_same_trades(candle_dir: Path, dask_client: Any,
                                                                  piece: timedelta | None,
                                                                  predictor: BulkPredictor) -> None:
    alone = _backtest(candle_dir, predictor)
    reader = CandleFilesReader((candle_dir.resolve().as_uri(),), BacktestContainer.candle_loader())
    spread = _backtest(candle_dir, predictor, PieceScoring(DaskTaskRunner(dask_client), reader, piece))
    assert len(alone.trades) >= 10
    assert spread.trades == alone.trades
    assert (spread.final_balance, spread.statuses, spread.denials) == (alone.final_balance, alone.statuses,
                                                                       alone.denials)


def test_workers_reading_other_files_stop_the_backtest(candle_dir: Path, tmp_path: Path, dask_client: Any) -> None:
    other = tmp_path / "other"
    other.mkdir()
    since = START - timedelta(hours=1)  # an hour less history than the engine was given
    for pair, seed in (("BTCUSDT", 11), ("ETHUSDT", 12)):
        write_csv(str(other / f"{pair}.csv"), random_walk(since, 13 * 60, seed=seed, price=100.0))
    reader = CandleFilesReader((str(other),), BacktestContainer.candle_loader())
    with pytest.raises(ScoringMismatch, match="BTCUSDT: the workers read"):
        _backtest(candle_dir, BaselineMomentumPredictor(), PieceScoring(DaskTaskRunner(dask_client), reader))


def _cli_backtest(candle_dir: Path, out: Path, *extra: str) -> tuple[pd.DataFrame, dict[str, Any]]:
    result = CliRunner().invoke(cli, ["backtest", "--replay", str(candle_dir), "--pairs", "BTCUSDT,ETHUSDT",
                                      "--start", START.isoformat(), "--end", END.isoformat(), "--out", str(out),
                                      "--json", *extra], env={"TRADEAI_CONFIG": None, "LOG_LEVEL": "WARNING"})
    assert result.exit_code == 0, result.output[-3000:]
    return pd.read_parquet(out / "trades.parquet"), json.loads(result.stdout)


def test_backtest_cli_on_two_local_workers_takes_the_single_process_trades(candle_dir: Path, tmp_path: Path,
                                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the project's in the way
    alone, summary = _cli_backtest(candle_dir, tmp_path / "one")
    spread, spread_summary = _cli_backtest(candle_dir, tmp_path / "two", "--local", "2")
    assert len(alone) >= 10
    # latency_ms is the wall-clock time each decision took: it differs between any two runs
    pd.testing.assert_frame_equal(spread.drop(columns="latency_ms"), alone.drop(columns="latency_ms"))
    figures = ("trades", "pnl", "final_balance", "statuses", "denials", "active_scans")
    assert {k: spread_summary[k] for k in figures} == {k: summary[k] for k in figures}


def test_backtest_cli_with_an_unreachable_scheduler_is_exit_2(candle_dir: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    import dask.config

    monkeypatch.chdir(tmp_path)
    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}):
        result = CliRunner().invoke(cli, ["backtest", "--replay", str(candle_dir), "--pairs", "BTCUSDT",
                                          "--start", START.isoformat(), "--end", END.isoformat(),
                                          "--out", str(tmp_path / "x"), "--scheduler", "tcp://127.0.0.1:9"],
                                    env={"TRADEAI_CONFIG": None})
    assert result.exit_code == 2
    assert "tcp://127.0.0.1:9 cannot be reached" in result.output
    assert not (tmp_path / "x").exists()
