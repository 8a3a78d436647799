"""`tradeai research rl train|evaluate|admit` end to end with tiny settings: a seeded random walk
stored as candles, its feature set built by `tradeai features build`, PPO trained and judged."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.parquet import ParquetCandleStore
from domain.market.candles import Pair
from entrypoints.cli import cli
from tests.fakes.series import random_walk

pytest.importorskip("stable_baselines3", reason="the research extra (gymnasium, stable-baselines3) is not installed")

TINY = ["--pair", "BTCUSDT", "--features", "walk", "--train-start", "2024-03-04", "--train-end", "2024-03-06",
        "--timesteps", "128", "--n-steps", "64", "--episode-bars", "16"]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("rl") / "data"
    store = ParquetCandleStore.in_data_dir(data)
    store.merge(Pair("BTCUSDT"), random_walk(datetime(2024, 3, 4, tzinfo=UTC), 4 * 1440, seed=5, price=60_000.0),
                "walk")
    built = CliRunner().invoke(cli, ["features", "build", "--data-dir", str(data), "--pairs", "BTCUSDT",
                                     "--fit-start", "2024-03-04", "--fit-end", "2024-03-06",
                                     "--out", str(data / "features" / "walk.parquet"), "--json"])
    assert built.exit_code == 0, built.output
    return data


def test_train_evaluate_and_the_refused_admission(data_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    trained = runner.invoke(cli, ["research", "rl", "train", "--data-dir", str(data_dir), *TINY, "--seed", "3",
                                  "--out", str(tmp_path / "one"), "--json"])
    assert trained.exit_code == 0, trained.output
    summary = json.loads(trained.stdout)
    assert summary["seed"] == 3 and summary["episodes"] >= 8
    assert {p.name for p in (tmp_path / "one").iterdir()} == {"ppo_seed3.zip", "curve_seed3.csv", "curve_seed3.png"}

    out = tmp_path / "eval"
    judged = runner.invoke(cli, ["research", "rl", "evaluate", "--data-dir", str(data_dir), *TINY,
                                 "--test-start", "2024-03-06T01:00", "--out", str(out), "--json"])
    assert judged.exit_code == 0, judged.output
    result = json.loads(judged.stdout)
    policies = {"ppo_seed0", "ppo_seed1", "ppo_seed2", "supervised:baseline-momentum-k0.5", "flat"}
    assert result["seeds"] == [0, 1, 2] and set(result["out_of_sample"]) == set(result["walk"]) == policies
    engine = result["out_of_sample"]  # the backtest engine's figures, one run per policy
    for name, figures in engine.items():
        assert figures["final_balance"] == pytest.approx(100_000 + figures["net_pnl"], abs=0.05), name
        assert figures["return_pct"] == pytest.approx(figures["net_pnl"] / 1_000)
    assert engine["flat"]["trades"] == 0 and engine["flat"]["net_pnl"] == 0.0
    assert engine["supervised:baseline-momentum-k0.5"]["trades"] > 0
    assert sum(engine[f"ppo_seed{s}"]["trades"] for s in range(3)) > 0  # the agents' calls reach the engine
    assert engine["ppo_seed0"]["predictor"] == "ppo-seed0" and result["confidence"] == 0.7
    assert result["walk"]["flat"]["return_pct"] == 0.0
    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["passed"] == result["passed"] and (out / "curves.png").stat().st_size > 0
    # the verdict judged the engine's returns, not the walk's
    assert verdict["basis"].startswith("backtest engine") and verdict["supervised_return_pct"] == pytest.approx(
        engine["supervised:baseline-momentum-k0.5"]["return_pct"])
    assert [s["oos_return_pct"] for s in verdict["seeds"]] == pytest.approx(
        [engine[f"ppo_seed{s}"]["return_pct"] for s in range(3)])
    beaten = max(0.0, engine["supervised:baseline-momentum-k0.5"]["return_pct"])
    assert verdict["beats_supervised"] == all(engine[f"ppo_seed{s}"]["return_pct"] > beaten for s in range(3))
    assert len((out / "curves.csv").read_text().splitlines()) > 3 * 8

    admitted = runner.invoke(cli, ["research", "rl", "admit", "--verdict", str(out / "verdict.json"), "--json"])
    assert admitted.exit_code == (0 if result["passed"] else 1), admitted.output
    assert json.loads(admitted.stdout)["admitted"] is result["passed"]


def test_no_verdict_no_member_and_bad_input_exits_2(data_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(cli, ["research", "rl", "admit", "--verdict", str(tmp_path / "none.json")])
    assert missing.exit_code == 1 and "no RL verdict" in missing.output
    (tmp_path / "bad.json").write_text("{\"seeds\": 3}")
    assert runner.invoke(cli, ["research", "rl", "admit", "--verdict", str(tmp_path / "bad.json")]).exit_code == 2
    unknown = runner.invoke(cli, ["research", "rl", "train", "--data-dir", str(data_dir), *TINY[:2],
                                  "--features", "nope", *TINY[4:], "--out", str(tmp_path / "x")])
    assert unknown.exit_code == 2 and "nope" in unknown.output
    seen = runner.invoke(cli, ["research", "rl", "evaluate", "--data-dir", str(data_dir), *TINY,
                               "--test-start", "2024-03-05", "--out", str(tmp_path / "y")])
    assert seen.exit_code == 2 and "unseen" in seen.output


def test_the_supervised_side_is_chosen_as_the_backtest_chooses_it(data_dir: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    judged = runner.invoke(cli, ["research", "rl", "evaluate", "--data-dir", str(data_dir), *TINY, "--seeds", "0",
                                 "--test-start", "2024-03-06T01:00", "--supervised", "random", "--out",
                                 str(tmp_path / "random"), "--json"])
    assert judged.exit_code == 0, judged.output
    result = json.loads(judged.stdout)
    assert result["supervised"].startswith("supervised:random")
    assert not result["stable"]  # one seed cannot show stability
    missing = runner.invoke(cli, ["research", "rl", "evaluate", "--data-dir", str(data_dir), *TINY, "--seeds", "0",
                                  "--test-start", "2024-03-06T01:00", "--supervised", "v9.9.9", "--out",
                                  str(tmp_path / "tag")])
    assert missing.exit_code == 2 and "--supervised" in missing.output
