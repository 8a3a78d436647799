"""`tradeai risk check`: a scenario file in, the guard's decision and the day's floors out."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from entrypoints.cli import cli

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "risk_scenario.json"

BASE = {
    "account": {
        "ruleset": "2-step",
        "initial_balance": 100_000,
        "balance": 104_000,
        "day_start_balance": 105_000,
        "now": "2025-03-30T09:30:00Z",
    },
    "signal": {"pair": "BTCUSD", "direction": "LONG", "entry": 82_000, "stop": 81_000},
}
# A 1-lot BTC stop-out from 82,000 to 81,000 with the default p90 costs (10 bps a fill) and commission.
BTC_LOSS_PER_LOT = 82_000 * 1.001 - 81_000 * 0.999 + 0.000325 * (82_000 * 1.001 + 81_000 * 0.999)


def run(tmp_path: Path, scenario: dict | str, *extra: str):
    path = tmp_path / "scenario.json"
    path.write_text(scenario if isinstance(scenario, str) else json.dumps(scenario))
    return CliRunner().invoke(cli, ["risk", "check", "--scenario", str(path), *extra])


def run_json(tmp_path: Path, scenario: dict) -> dict:
    result = run(tmp_path, scenario, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def with_changes(**sections) -> dict:
    scenario = copy.deepcopy(BASE)
    for section, values in sections.items():
        scenario.setdefault(section, {}).update(values)
    return scenario


def test_worked_example_floors_and_sizes(tmp_path: Path) -> None:
    out = run_json(tmp_path, BASE)
    assert out["allowed"] is True and out["reasons"] == []
    assert out["daily_floor"] == 100_000  # 105k at Prague midnight minus 5 % of 100k
    assert out["total_floor"] == 90_000
    assert out["internal_daily_floor"] == 100_500
    assert out["internal_total_floor"] == 91_000
    # headroom 104,000 - 100,500 = 3,500: 2.87 lots; the risk budget is 1 % of 104k
    assert out["max_size"] == 2.87
    assert 2.87 * BTC_LOSS_PER_LOT <= 3_500 < 2.88 * BTC_LOSS_PER_LOT
    assert out["suggested_size"] == 0.85 == out["size"]
    assert out["trading_day"] == "2025-03-30"


def test_a_size_past_the_floor_is_denied_with_exit_zero(tmp_path: Path) -> None:
    out = run_json(tmp_path, with_changes(signal={"size": 3.0}))
    assert out["allowed"] is False
    assert [r["rule"] for r in out["reasons"]] == ["internal_daily_loss"]
    assert "100,500.00" in out["reasons"][0]["message"]
    assert out["worst_equity"] == pytest.approx(104_000 - 3 * BTC_LOSS_PER_LOT, abs=0.01)


def test_day_one_reference_is_the_initial_balance(tmp_path: Path) -> None:
    out = run_json(tmp_path, with_changes(account={"balance": 100_000, "day_start_balance": 100_000}))
    assert (out["daily_floor"], out["internal_daily_floor"]) == (95_000, 95_500)


def test_open_positions_are_marked_and_their_stops_counted(tmp_path: Path) -> None:
    eth = {"id": "eth-1", "pair": "ETHUSD", "direction": "LONG", "lots": 2.0, "entry": 2000.0, "mark": 1960.0,
           "stop": 1940.0, "commission": 13.0, "swap": -4.5}
    out = run_json(tmp_path, with_changes(account={"balance": 104_200, "positions": [eth]}, signal={"size": 2.0}))
    assert out["equity"] == pytest.approx(104_200 - 800 - 4.5 - 13)
    closed = 1940 * (1 - 12.5 / 10_000)  # ETH defaults: 15 bps spread, 5 bps slippage
    assert out["open_risk"] == pytest.approx((1960 - closed) * 20 + 0.000325 * closed * 20, abs=0.01)
    assert out["max_size"] == 1.99
    assert out["allowed"] is False


def test_one_step_ruleset_and_settings_overrides(tmp_path: Path) -> None:
    out = run_json(tmp_path, with_changes(
        account={"ruleset": "1-step", "balance": 108_000, "day_start_balance": 108_000, "highest_eod_balance": 110_000},
        settings={"internal_daily_loss_pct": 2.5, "risk_per_trade_pct": 0.5,
                  "instruments": {"BTC": {"spread_p90_bps": 0, "slippage_p90_bps": 0, "commission_rate": 0}}},
    ))
    assert out["ruleset"] == "1-step"
    assert out["daily_floor"] == pytest.approx(105_000)
    assert out["total_floor"] == pytest.approx(100_000)  # trails the 110k best midnight
    assert out["internal_daily_floor"] == pytest.approx(105_500)
    assert out["suggested_size"] == 0.54  # 0.5 % of 108k = 540 at 1,000 a lot, no costs
    assert out["max_size"] == 2.5


def test_kill_switch_in_the_scenario_denies_with_an_alert(tmp_path: Path) -> None:
    scenario = with_changes()
    scenario["kill_switch"] = True
    out = run_json(tmp_path, scenario)
    assert out["allowed"] is False
    assert out["reasons"][0]["rule"] == "kill_switch"
    assert out["alerts"][0]["kind"] == "kill_switch_attempt"


def test_text_output_shows_decision_floors_and_size(tmp_path: Path) -> None:
    result = run(tmp_path, with_changes(signal={"size": 3.0}))
    assert result.exit_code == 0
    assert "Decision: DENIED" in result.output
    assert "internal_daily_loss" in result.output
    assert "100,500.00" in result.output and "90,000.00" in result.output
    assert "Largest size allowed: 2.87 lots" in result.output


def test_the_shipped_example_runs(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["risk", "check", "--scenario", str(EXAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["allowed"] is False and out["max_size"] == 1.99


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("{not json", "not valid JSON at line 1"),
        (with_changes(account={"balance": "lots"}), "scenario.account.balance"),
        ({"signal": BASE["signal"]}, "scenario.account"),
        (with_changes(account={"colour": "red"}), "colour"),
        (with_changes(signal={"direction": "UP"}), "signal.direction"),
        (with_changes(signal={"stop": 83_000}), "wrong side"),
        (with_changes(account={"now": "2025-03-30T09:30:00"}), "account.now"),
        (with_changes(account={"ruleset": "3-step"}), "account.ruleset"),
        (with_changes(settings={"internal_daily_loss_pct": 6}), "looser"),
    ],
)
def test_a_bad_scenario_names_the_field_and_exits_2(tmp_path: Path, scenario, expected) -> None:
    result = run(tmp_path, scenario, "--json")
    assert result.exit_code == 2
    assert expected in result.stderr
    assert "scenario.json" in result.stderr


def test_a_missing_file_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["risk", "check", "--scenario", str(tmp_path / "nope.json")])
    assert result.exit_code == 2
    assert "nope.json" in result.output


# ---------------------------------------------------------------- impossible figures stop at the file


NON_FINITE = ["NaN", "Infinity", "-Infinity"]
FIGURES = [("account", "balance"), ("account", "initial_balance"), ("account", "day_start_balance"),
           ("account", "highest_eod_balance"), ("signal", "entry"), ("signal", "stop"), ("signal", "size")]


def _raw_with(section: str, field: str, literal: str) -> str:
    # json.dumps cannot write NaN as a bare literal in a chosen place: splice it into the text.
    scenario = with_changes(**{section: {field: 123456789}})
    return json.dumps(scenario).replace("123456789", literal)


@pytest.mark.parametrize(("section", "field"), FIGURES)
@pytest.mark.parametrize("literal", NON_FINITE)
def test_non_finite_figures_exit_2_naming_the_field(tmp_path: Path, section: str, field: str, literal: str) -> None:
    result = run(tmp_path, _raw_with(section, field, literal))
    assert result.exit_code == 2, result.output
    assert f"scenario.{section}.{field}" in result.output and "finite" in result.output
    assert "ALLOWED" not in result.output and "Traceback" not in result.output


def test_non_finite_position_figures_exit_2(tmp_path: Path) -> None:
    position = {"pair": "ETHUSD", "direction": "LONG", "lots": 1, "entry": 2000, "mark": 123456789}
    text = json.dumps(with_changes(account={"positions": [position]})).replace("123456789", "NaN")
    result = run(tmp_path, text)
    assert result.exit_code == 2 and "scenario.account.positions[0].mark" in result.output


@pytest.mark.parametrize("field", ["balance", "day_start_balance", "initial_balance"])
@pytest.mark.parametrize("value", [-5_000, 0])
def test_negative_or_zero_account_figures_exit_2(tmp_path: Path, field: str, value: int) -> None:
    result = run(tmp_path, with_changes(account={field: value}))
    assert result.exit_code == 2, result.output
    assert f"scenario.account.{field}: must be > 0" in result.output


@pytest.mark.parametrize(("text", "kind"), [("[1, 2]", "array"), ('"x"', "string"), ("3", "number"),
                                            ("null", "null")])
def test_a_scenario_that_is_not_an_object_says_so(tmp_path: Path, text: str, kind: str) -> None:
    result = run(tmp_path, text)
    assert result.exit_code == 2
    assert f"expected a JSON object with account and signal, got a JSON {kind}" in result.output
    assert "unknown error" not in result.output


def test_a_section_that_is_not_an_object_says_so(tmp_path: Path) -> None:
    result = run(tmp_path, {"account": [], "signal": 5})
    assert result.exit_code == 2
    assert "expected a JSON object @ scenario.account" in result.output
    assert "expected a JSON object @ scenario.signal" in result.output
    assert "unknown error" not in result.output
