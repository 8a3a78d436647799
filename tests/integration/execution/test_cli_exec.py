"""`tradeai exec` end to end: the real quote files measured, checked against an independent pandas
computation; bad files refused by file and line with nothing written; reruns, show and rollback."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from entrypoints.cli import cli
from tests.conftest import SHARED_DATA, require_shared_data

QUOTES = SHARED_DATA / "quotes"
CITIES = {"tokyo": ("Asia/Tokyo", 9, 18), "london": ("Europe/London", 8, 17), "new_york": ("America/New_York", 8, 17)}


def _exec(*args: str) -> Result:
    return CliRunner().invoke(cli, ["exec", *args], catch_exceptions=False, env={"CI": os.environ.get("CI", "")})


def _independent_spreads() -> pd.DataFrame:
    """Spread (bps of mid) per row of every quote file, with its base asset and UTC time, by pandas alone."""
    frames = []
    for path in sorted(QUOTES.glob("*bookTicker*")):
        raw = pd.read_csv(path)
        ts = (pd.to_datetime(raw["local_ts_ns"], unit="ns") if "local_ts_ns" in raw
              else pd.to_datetime(raw["timestamp_ms"], unit="ms"))
        frames.append(pd.DataFrame({"symbol": raw["symbol"], "time": ts, "bid": raw["bid"], "ask": raw["ask"]}))
    for path in sorted(QUOTES.glob("quote-bars*")):
        raw = pd.read_csv(path)
        frames.append(pd.DataFrame({"symbol": raw["symbol"], "time": pd.to_datetime(raw["open_time"], unit="ms"),
                                    "bid": raw["bid_close"], "ask": raw["ask_close"]}))
    quotes = pd.concat(frames, ignore_index=True)
    quotes["base"] = quotes["symbol"].str.replace("/", "").str.replace(r"(USDT|USD)$", "", regex=True)
    quotes["spread"] = (quotes["ask"] - quotes["bid"]) / ((quotes["ask"] + quotes["bid"]) / 2) * 1e4
    quotes["time"] = quotes["time"].dt.tz_localize("UTC")
    return quotes


def _in_session(times: pd.Series, session: str) -> pd.Series:
    zone, opens, closes = CITIES[session]
    local = times.dt.tz_convert(zone)
    return (local.dt.day_of_week < 5) & (local.dt.hour >= opens) & (local.dt.hour < closes)


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    require_shared_data(QUOTES)
    data_dir = tmp_path_factory.mktemp("exec")
    result = _exec("measure", *map(str, sorted(QUOTES.iterdir())), "--data-dir", str(data_dir), "--json")
    assert result.exit_code == 0, result.output
    return data_dir, json.loads(result.output)


def test_measured_btc_and_eth_spreads_match_pandas(measured: tuple[Path, dict]) -> None:
    data_dir, _ = measured
    doc = json.loads((data_dir / "execution_metrics.json").read_text())
    quotes = _independent_spreads()
    for base in ("BTC", "ETH"):
        mine = quotes[quotes["base"] == base]
        masks = {s: _in_session(mine["time"], s) for s in CITIES}
        masks["off_hours"] = ~(masks["tokyo"] | masks["london"] | masks["new_york"])
        assert doc["samples"][base] == len(mine)
        for session, mask in masks.items():
            values = mine.loc[mask, "spread"].to_numpy()
            figure = doc["pairs"][base][session]["spread_bps"]
            assert figure["basis"] == "measured" and figure["count"] == len(values), (base, session)
            assert figure["mean"] == pytest.approx(values.mean(), rel=1e-9)
            for key, q in (("p50", 0.5), ("p90", 0.9), ("p99", 0.99)):
                assert figure[key] == pytest.approx(np.quantile(values, q), rel=1e-9), (base, session, key)


def test_the_file_records_sources_span_and_defaults(measured: tuple[Path, dict]) -> None:
    data_dir, summary = measured
    dated = sorted(data_dir.glob("execution_metrics_*.json"))
    assert len(dated) == 1 and os.readlink(data_dir / "execution_metrics.json") == dated[0].name
    sources = summary["sources"]
    assert len(sources) == 7 and all(len(s["sha256"]) == 64 for s in sources)
    assert sorted(s["kind"] for s in sources) == ["binance_book_ticker"] * 3 + ["quote_bars_1m"] + ["trades"] * 3
    assert all(s["rows"] == 0 and "no bid/ask" in s["note"] for s in sources if s["kind"] == "trades")
    assert summary["span"]["start"].startswith("2017") and summary["span"]["end"].startswith("2024-08-09")
    assert summary["pairs"]["BTC"]["tokyo"]["slippage_bps"]["basis"] == "default"
    assert any("no fills measured yet" in note for note in summary["notes"])


def _bad_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    header = "local_ts_ns,event_ms,symbol,update_id,bid,bid_qty,ask,ask_qty\n"
    good = "1723161254087891268,,BTCUSDT,1,100.0,1,100.5,1\n"
    body = header + good * 3000
    packed = gzip.compress(body.encode())
    files = {
        "bid_above_ask": (header + good + "1723161254087891269,,BTCUSDT,2,101.0,1,100.5,1\n", "line 3: crossed quote"),
        "zero_quote": (header + good + good + "1723161254087891269,,BTCUSDT,2,0.0,1,100.5,1\n",
                       "line 4: zero or negative quote"),
        "unknown_header": ("a,b,c\n1,2,3\n", "line 1: unknown header"),
    }
    paths = {}
    for name, (text, why) in files.items():
        paths[name] = (tmp_path / f"{name}.csv", why)
        paths[name][0].write_text(text)
    truncated = tmp_path / "truncated.csv.gz"
    truncated.write_bytes(packed[: len(packed) - 40])
    paths["truncated"] = (truncated, "gzip cut short")
    return paths


@pytest.mark.parametrize("case", ["bid_above_ask", "zero_quote", "unknown_header", "truncated"])
def test_bad_input_exits_1_naming_file_and_line_and_writes_nothing(tmp_path: Path, case: str) -> None:
    data_dir = tmp_path / "data"
    good = tmp_path / "good.csv"
    good.write_text("local_ts_ns,event_ms,symbol,update_id,bid,bid_qty,ask,ask_qty\n"
                    + "".join(f"{1723161254087891268 + i},,BTCUSDT,{i},100.0,1,100.5,1\n" for i in range(200)))
    assert _exec("measure", str(good), "--data-dir", str(data_dir)).exit_code == 0
    before = os.readlink(data_dir / "execution_metrics.json")
    files_before = sorted(p.name for p in data_dir.iterdir())
    path, why = _bad_files(tmp_path)[case]
    result = _exec("measure", str(good), str(path), "--data-dir", str(data_dir))
    assert result.exit_code == 1
    assert str(path) in result.output and why in result.output and "nothing was written" in result.output
    assert sorted(p.name for p in data_dir.iterdir()) == files_before
    assert os.readlink(data_dir / "execution_metrics.json") == before


def test_same_day_reruns_get_a_suffix_and_rollback_switches_back(tmp_path: Path) -> None:
    quotes = tmp_path / "q.csv"
    quotes.write_text("timestamp,symbol,ask_size,ask,bid_size,bid,timestamp_ms\n"
                      + "".join(f"x,ETH/USDT,1,{2000 + i * 0.1 + 0.2},1,{2000 + i * 0.1},{1610064001076 + i}\n"
                                for i in range(150)))
    data_dir = tmp_path / "data"
    first = json.loads(_exec("measure", str(quotes), "--data-dir", str(data_dir), "--json").output)["path"]
    second = json.loads(_exec("measure", str(quotes), "--data-dir", str(data_dir), "--json").output)["path"]
    assert Path(second).name == Path(first).name.replace(".json", "_2.json") and Path(first).exists()
    assert os.readlink(data_dir / "execution_metrics.json") == Path(second).name
    day = Path(first).stem.removeprefix("execution_metrics_")
    assert _exec("rollback", day, "--data-dir", str(data_dir)).exit_code == 0  # the day's last run
    assert os.readlink(data_dir / "execution_metrics.json") == Path(second).name
    assert _exec("rollback", f"{day}_1", "--data-dir", str(data_dir)).exit_code == 1
    assert _exec("rollback", "1999-01-01", "--data-dir", str(data_dir)).exit_code == 1
    shown = json.loads(_exec("show", "--json", "--data-dir", str(data_dir)).output)
    assert shown["path"] == str(data_dir / Path(second).name)
    assert shown["pairs"]["ETH"]["tokyo"]["spread_bps"]["basis"] == "measured"  # Friday 09:00 in Tokyo
    assert shown["pairs"]["ETH"]["off_hours"]["spread_bps"]["basis"] == "pooled"


def test_show_without_metrics_fails_and_says_why(tmp_path: Path) -> None:
    result = _exec("show", "--data-dir", str(tmp_path))
    assert result.exit_code == 1 and "placeholder" in result.output
