"""`tradeai train` on a small slice of real candles: it trains in seconds, repeats itself bit for
bit, records the leakage check, reloads to the same predictions and refuses bad input with exit 2."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner, Result

from adapters.features import ParquetFeatureStore
from adapters.torch import load_model
from application.models.training.samples import build_matrix, period_samples
from domain.features.splits import Period
from entrypoints.cli import cli
from tests.integration.training.conftest import SET, SPLIT

pytestmark = pytest.mark.shared_data
TINY = ("--hidden", "8", "--epochs", "2", "--max-samples", "1500", "--device", "cpu", "--seed", "7",
        "--threads", "1", "--min-coverage", "0.9")


def train(data_dir: Path, out: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["train", *args, "--data-dir", str(data_dir), "--feature-set", SET,
                                    "--out", str(out), *SPLIT, *TINY], catch_exceptions=False)


def test_a_tiny_lstm_trains_on_real_candles_and_repeats_itself(real_data_dir: Path, tmp_path: Path) -> None:
    first = train(real_data_dir, tmp_path / "a", "lstm", "--pair", "BTCUSDT", "--json", "--leakage-samples", "1")
    assert first.exit_code == 0, first.output
    report = json.loads(first.stdout)
    card = report["card"]
    assert card["leakage_passed"] is True and report["leakage"]["how"].startswith("run: ")
    for period in ("validation", "test"):
        figures = card["metrics"][period]
        assert figures["samples_BTCUSDT"] == 1500
        assert 0.3 < figures["accuracy_BTCUSDT"] < 0.7  # a coin toss, give or take: honest, not tuned
        assert figures["wilson_low_BTCUSDT"] < figures["accuracy_BTCUSDT"] < figures["wilson_high_BTCUSDT"]
        assert {"majority_accuracy_BTCUSDT", "momentum_accuracy_BTCUSDT", "brier", "ece"} <= set(figures)
    assert card["split"]["test"] == ["2020-05-28T00:00:00+00:00", "2020-05-30T00:00:00+00:00"]
    runs = (tmp_path / "a" / "runs.csv").read_text().splitlines()
    assert len(runs) == 2 and report["name"] in runs[1]

    again = train(real_data_dir, tmp_path / "b", "lstm", "--pair", "BTCUSDT", "--json", "--leakage-samples", "0")
    assert again.exit_code == 0, again.output
    repeat = json.loads(again.stdout)
    assert repeat["card"]["weights_sha256"] == card["weights_sha256"]
    assert repeat["card"]["leakage_passed"] is None and "not run" in repeat["leakage"]["how"]

    loaded_card, model = load_model(Path(report["location"]).with_suffix(".json"))
    tables = ParquetFeatureStore(real_data_dir / "features").load(SET)
    matrix = build_matrix([t for t in tables if t.pair.symbol == "BTCUSDT"], loaded_card.features, loaded_card.window)
    bounds = [datetime.fromisoformat(b) for b in loaded_card.split["test"]]
    test = period_samples(matrix, Period("test", *bounds), max_samples=1500)
    _, other = load_model(Path(repeat["location"]).with_suffix(".json"))
    np.testing.assert_array_equal(model.predict(matrix, test).p_up, other.predict(matrix, test).p_up)


def test_a_tiny_transformer_trains_across_two_real_coins(real_data_dir: Path, tmp_path: Path) -> None:
    result = train(real_data_dir, tmp_path, "transformer", "--pairs", "BTCUSDT,ETHUSDT", "--leakage-samples", "0",
                   "--window", "16", "--layers", "1")
    assert result.exit_code == 0, result.output
    assert "transformer_btc-eth_" in result.output and "trend validation: MAE" in result.output
    for pair in ("BTCUSDT", "ETHUSDT"):
        assert result.output.count(pair) >= 2  # a validation and a test line per coin
    assert "baseline momentum: up iff ret_15" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (("lstm", "--pair", "XRPUSDT"), "XRPUSDT not in feature set real"),
    (("lstm", "--pair", "BTCUSDT", "--feature-set", "nope"), "nope.json: no such feature set"),
    (("lstm", "--pair", "BTCUSDT", "--test-start", "2020-06-01", "--test-end", "2020-06-02"),
     "test 2020-06-01 00:00 -> 2020-06-02 00:00 for BTCUSDT: 0 rows"),
    (("transformer", "--pairs", "BTCUSDT", "--heads", "3"), "does not divide --hidden"),
])
def test_bad_input_exits_2_naming_it(real_data_dir: Path, tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    result = CliRunner().invoke(cli, ["train", *args, "--data-dir", str(real_data_dir), "--out", str(tmp_path),
                                      *SPLIT, *TINY, *(() if "--feature-set" in args else ("--feature-set", SET))])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not list(tmp_path.iterdir())
