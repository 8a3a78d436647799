"""`tradeai challenge simulate` on a small trades.parquet written here, in the columns `tradeai
backtest` writes: JSON and text output, challenge.json, the summary.json beside the trades, and the
exit codes for bad input."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner, Result

from entrypoints.challenge_files import COLUMNS
from entrypoints.cli import cli

START = datetime(2025, 6, 2, 7, 0, tzinfo=UTC)  # 09:00 in Prague
PNL = [1_500, -800, 2_200, 900, -1_200, 2_500, 700, 1_800, -600, 1_400]


def _frame(days: int = 10) -> pd.DataFrame:
    rows = []
    for i in range(days):
        opened = START + timedelta(days=i)
        pnl = float(PNL[i % len(PNL)])
        rows.append({"signal_id": f"BTCUSDT-{i}", "pair": "BTCUSDT", "direction": "LONG", "tier": "HIGH",
                     "confidence": 0.7, "signal_at": opened.isoformat(), "entry": 60_000.0, "entry_fill": 60_010.0,
                     "lots": 1.0, "stop": 59_000.0, "take_profit": 61_500.0, "exit_reason": "take_profit",
                     "exit_at": (opened + timedelta(minutes=25)).isoformat(), "exit_fill": 61_490.0, "pnl": pnl,
                     "r_multiple": pnl / 1_000, "latency_ms": 120.0, "late": False, "pnl_penalised": pnl})
    return pd.DataFrame(rows)


@pytest.fixture
def trades(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env of the project's in the way
    path = tmp_path / "bt" / "trades.parquet"
    path.parent.mkdir()
    _frame().to_parquet(path, index=False)
    return path


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, ["challenge", "simulate", *args], env={"TRADEAI_CONFIG": None})


def as_json(*args: str) -> dict:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_help_lists_the_options() -> None:
    result = CliRunner().invoke(cli, ["challenge", "simulate", "--help"])
    assert result.exit_code == 0
    for option in ("--trades", "--attempts", "--ruleset", "--mode", "--seed", "--json", "--report"):
        assert option in result.output


def test_historical_json_has_every_figure(trades: Path) -> None:
    out = as_json("--trades", str(trades))
    assert out["challenge"]["mode"] == "historical" and out["challenge"]["ruleset"] == "2-step"
    assert out["challenge"]["attempts"] == 10  # one per Prague day the trades span
    assert out["trades"]["count"] == 10 and out["trades"]["period_source"] == "the trades' own span"
    assert set(out["pass_rate"]) >= {"value", "wilson_low", "wilson_high", "n"}
    assert set(out["final_equity"]) >= {"p05", "p50", "p95", "return_pct"}
    assert out["gate"]["verdict"] == "failed" and "attempts 10 < 20" in out["gate"]["reasons"]
    assert "latency penalty" in out["assumptions"]["pnl"] and "1R" in out["assumptions"]["intraday_equity"]
    assert out["notes"] == ["backtest initial balance 100,000.00 from the risk.initial_balance setting"]


def test_the_text_summary_states_the_gate_and_the_assumptions(trades: Path) -> None:
    result = invoke("--trades", str(trades), "--mode", "monte-carlo", "--attempts", "40", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert "monte-carlo: 40 attempts (seed 3)" in result.output
    assert "challenge gate: " in result.output and "Wilson 95 %" in result.output
    assert "scaling: each trade's P/L" in result.output and "worst case" in result.output


def test_monte_carlo_with_a_seed_repeats_and_a_report_folder_gets_challenge_json(trades: Path, tmp_path: Path) -> None:
    args = ("--trades", str(trades), "--mode", "monte-carlo", "--attempts", "200", "--seed", "9", "--days", "15",
            "--ruleset", "1-step")
    first = as_json(*args, "--report", str(tmp_path / "report"))
    again = as_json(*args)
    for payload in (first, again):
        payload.pop("seconds")
        payload.pop("files", None)
    assert first == again
    assert first["challenge"]["ruleset"] == "1-step" and first["challenge"]["days_per_attempt"] == 15
    written = json.loads((tmp_path / "report" / "challenge.json").read_text())
    assert written["pass_rate"] == first["pass_rate"] and written["breaches_total"] == first["breaches_total"]


def test_the_summary_json_beside_the_trades_gives_the_period_and_the_balance(trades: Path) -> None:
    summary = {"run": {"start": "2025-06-01T00:00:00+00:00", "end": "2025-06-20T00:00:00+00:00"},
               "final_balance": 50_000.0 + sum(PNL), "pnl": float(sum(PNL))}
    trades.with_name("summary.json").write_text(json.dumps(summary))
    out = as_json("--trades", str(trades), "--attempts", "30", "--risk-pct", "1")
    # whole Prague days inside the window: June 1 from 02:00 is partial, so from June 2 to June 19
    assert (out["trades"]["first_day"], out["trades"]["last_day"], out["trades"]["days"]) == (
        "2025-06-02", "2025-06-19", 18)
    assert out["challenge"]["attempts"] == 18
    assert out["notes"] == ["backtest initial balance 50,000.00 from summary.json beside the trades (final balance "
                            "less P/L)"]
    assert "re-sized to risk 1 %" in out["assumptions"]["scaling"]


@pytest.mark.parametrize(("args", "message"), [
    (["--trades", "missing.parquet"], "does not exist"),
    (["--attempts", "0"], "x>=1"),
    (["--ruleset", "3-step"], "3-step"),
])
def test_bad_options_exit_2(trades: Path, args: list[str], message: str) -> None:
    full = args if args[0] == "--trades" else ["--trades", str(trades), *args]
    result = invoke(*full)
    assert result.exit_code == 2 and message in result.output


def test_a_file_without_the_trade_columns_exits_2_naming_them(tmp_path: Path, trades: Path) -> None:
    wrong = tmp_path / "wrong.parquet"
    _frame().drop(columns=["pnl_penalised", "exit_at"]).to_parquet(wrong, index=False)
    result = invoke("--trades", str(wrong))
    assert result.exit_code == 2
    assert "exit_at, pnl_penalised" in result.output and all(c in result.output for c in COLUMNS)


def test_a_file_that_is_not_parquet_or_holds_no_trades_exits_2(tmp_path: Path, trades: Path) -> None:
    text = tmp_path / "trades.parquet"
    text.write_text("not a parquet file")
    assert invoke("--trades", str(text)).exit_code == 2
    empty = tmp_path / "empty.parquet"
    _frame().iloc[:0].to_parquet(empty, index=False)
    result = invoke("--trades", str(empty))
    assert result.exit_code == 2 and "no trades" in result.output


def test_a_report_that_cannot_be_written_exits_1(tmp_path: Path, trades: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = invoke("--trades", str(trades), "--report", str(blocker / "report"))
    assert result.exit_code == 1 and "cannot write the report" in result.output
