"""`tradeai research gan train|sample|report` end to end through the CLI, on candles made in code
(three days of a random walk), with tiny settings: seconds, not minutes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.parquet import ParquetCandleStore
from domain.market.candles import Pair
from entrypoints.cli import cli
from tests.fakes.candles import make_candles

SPAN = ("--train-start", "2021-01-01", "--train-end", "2021-01-03")


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("gan") / "data"
    ParquetCandleStore.in_data_dir(folder).merge(Pair("BTCUSDT"), make_candles(3 * 1440, seed=11, price=40_000.0),
                                                 "test")
    code, _, err = invoke("features", "build", "--data-dir", str(folder), "--pairs", "BTCUSDT", "--fit-start",
                          "2021-01-01", "--fit-end", "2021-01-02T23:45", "--out",
                          str(folder / "features" / "real.parquet"), "--json")
    assert code == 0, err
    return folder


def test_train_sample_report_through_the_cli(data_dir: Path) -> None:
    code, out, err = invoke("research", "gan", "train", "--pair", "BTCUSDT", *SPAN, "--data-dir", str(data_dir),
                            "--epochs", "1", "--window", "16", "--stride", "16", "--hidden", "8", "--json")
    assert code == 0, err
    trained = json.loads(out)
    version = trained["version"]
    generator = data_dir / "generators" / f"{version}.json"
    assert generator.exists() and trained["card"]["holdout_start"].startswith("2021-01-02T14:24")

    code, out, err = invoke("research", "gan", "sample", "--generator", str(generator), "--feature-set", "real",
                            "--paths", "40", "--length", "120", "--data-dir", str(data_dir), "--json")
    assert code == 0, err
    sampled = json.loads(out)
    assert sampled["name"] == f"{version}-synthetic" and sampled["rows"] > 1000 and sampled["min_price"] > 0

    code, out, err = invoke("research", "gan", "report", "--synthetic-set", sampled["name"], "--validation-end",
                            "2021-01-04", "--seeds", "0,1", "--epochs", "1", "--window", "10", "--max-samples", "400",
                            "--data-dir", str(data_dir), "--json")
    assert code == 0, err
    report = json.loads(out)
    assert report["generator_version"] == version
    assert set(report["ablation"]["arms"]) == {"0.00", "0.10", "0.20"}
    assert report["ablation"]["periods"]["validation"][0].startswith("2021-01-03")
    assert report["ablation"]["max_synthetic_share"] == 0.20
    assert report["conclusion"].startswith(("Synthetic data", "Cannot tell"))
    assert report["quality"]["prices_positive"] is True
    folder = Path(report["report"]).parent
    assert {"report.json", "report.md", "gan_distributions.png", "gan_acf_abs_returns.png", "gan_price_paths.png",
            "gan_ablation.png"} <= {p.name for p in folder.iterdir()}
    assert "## Conclusion" in (folder / "report.md").read_text()


def test_bad_input_exits_2_naming_the_option(data_dir: Path) -> None:
    code, _, err = invoke("research", "gan", "train", "--pair", "BTCUSDT", *SPAN, "--holdout-start", "2021-02-01",
                          "--data-dir", str(data_dir))
    assert code == 2 and "--holdout-start" in err
    code, _, err = invoke("research", "gan", "report", "--synthetic-set", "real", "--validation-end", "2021-01-04",
                          "--shares", "0,0.3", "--data-dir", str(data_dir))
    assert code == 2 and "max_synthetic_share" in err
    code, _, err = invoke("research", "gan", "report", "--synthetic-set", "real", "--validation-end", "2021-01-04",
                          "--max-synthetic-share", "0.25", "--data-dir", str(data_dir))
    assert code == 2 and "max_synthetic_share must be within [0, 0.20]" in err
    code, _, err = invoke("research", "gan", "report", "--synthetic-set", "real", "--data-dir", str(data_dir))
    assert code == 2 and "--validation-end is needed" in err
    code, _, err = invoke("research", "gan", "report", "--synthetic-set", "missing", "--validation-end",
                          "2021-01-04", "--data-dir", str(data_dir))
    assert code == 2 and "missing" in err


def test_tradeai_train_mixes_synthetic_rows_into_training_only_within_the_cap(data_dir: Path) -> None:
    code, out, err = invoke("research", "gan", "train", "--pair", "BTCUSDT", *SPAN, "--data-dir", str(data_dir),
                            "--epochs", "1", "--window", "16", "--stride", "16", "--hidden", "8", "--seed", "3",
                            "--json")
    assert code == 0, err
    version = json.loads(out)["version"]
    code, out, err = invoke("research", "gan", "sample", "--generator", str(data_dir / "generators" / f"{version}.json"),
                            "--feature-set", "real", "--paths", "40", "--length", "120", "--data-dir", str(data_dir),
                            "--json")
    assert code == 0, err
    synthetic = json.loads(out)["name"]
    train = ("train", "lstm", "--pair", "BTCUSDT", "--feature-set", "real", "--data-dir", str(data_dir), "--out",
             str(data_dir / "models"), "--train-end", "2021-01-03", "--validation-end", "2021-01-03T16:00",
             "--epochs", "1", "--hidden", "8", "--window", "10", "--max-samples", "400", "--leakage-samples", "0")
    code, out, err = invoke(*train, "--synthetic-set", synthetic, "--json")
    assert code == 0, err
    params = json.loads(out)["card"]["params"]
    assert params["synthetic_share"] == 0.10 and params["generator_version"] == version
    real_train = json.loads(out)["samples"]["train"]["BTCUSDT"] - params["synthetic_rows"]
    assert params["synthetic_rows"] == int(real_train * 0.10 / 0.90)  # the share of the whole training set
    assert json.loads(out)["samples"]["validation"]["BTCUSDT"] <= 400  # real rows only, as without the mix
    plain = json.loads(invoke(*train, "--json")[1])["card"]["params"]
    assert "synthetic_share" not in plain  # off unless asked
    code, _, err = invoke(*train, "--synthetic-set", synthetic, "--synthetic-share", "0.15")
    assert code == 2 and "max_synthetic_share" in err
    code, _, err = invoke(*train, "--synthetic-set", synthetic, "--synthetic-share", "0.25",
                          "--max-synthetic-share", "0.25")
    assert code == 2 and "max_synthetic_share must be within [0, 0.20]" in err
