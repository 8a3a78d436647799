"""A backtest's trades and equity as an Evaluation: strict JSON, every gate's verdict, baselines
stated or said to be missing."""

from __future__ import annotations

import json
import math
from datetime import timedelta

import numpy as np

from application.backtest.trades import BacktestTrades
from application.evaluation.evaluate import ChallengeEvidence, evaluate_backtest, evaluated_trade, json_safe
from domain.evaluation import AcceptanceGate, EquitySeries, Gates
from domain.features.splits import Period
from domain.market.candles import MINUTE_MS, datetime_to_ms
from tests.unit.backtest.records import T0, trade_record

PERIOD = Period("backtest", T0, T0 + timedelta(hours=1))
RESULT = BacktestTrades((trade_record(pnl=10.0, right=True), trade_record(opened=20, closed=30, pnl=-5.0, right=False),
                         trade_record(opened=40, closed=50, pnl=7.0, right=None, tier="HIGH", confidence=0.72)),
                        (), {}, {}, 100_012.0, 30, 10, 3_600)
EQUITY = EquitySeries(datetime_to_ms(T0) + MINUTE_MS * np.arange(4), [100_000.0, 100_010.0, 100_005.0, 100_012.0])


def _evaluate(**kwargs):  # type: ignore[no-untyped-def]
    return evaluate_backtest(RESULT, EQUITY, PERIOD, kwargs.pop("gates", Gates()), initial_balance=100_000.0, **kwargs)


def test_the_json_holds_every_section_in_strict_json() -> None:
    payload = json.loads(json.dumps(_evaluate(run={"predictor": "x"}).to_json(), allow_nan=False))
    assert payload["schema"] == "tradeai.evaluation/1" and payload["run"] == {"predictor": "x"}
    assert payload["trades"] == 3 and payload["min_trades"] == 30
    assert payload["pnl"] == {"initial_balance": 100_000.0, "total": 12.0, "latency_adjusted": 12.0,
                              "return_pct": 0.012, "final_equity": 100_012.0}
    assert payload["labels"] == {"direction_known": 2, "direction_unknown": 1}
    assert [row["tier"] for row in payload["tiers"]] == ["LOW", "MEDIUM", "HIGH", "ALL"]
    assert set(payload["calibration"]) == {"win", "direction"}
    assert payload["drawdown"]["maximum"]["value"] == 5.0
    assert payload["equity"] == {"points": 4, "first": 100_000.0, "last": 100_012.0, "lowest": 100_000.0,
                                 "highest": 100_012.0}
    assert payload["baselines"] is None and payload["baselines_note"] == "no baseline was run"
    assert payload["nulls"] == []


def test_gates_say_which_fail_and_which_were_not_run() -> None:
    evaluation = _evaluate()
    assert evaluation.failing_gates == ("acceptance",)
    assert evaluation.gates_not_run == ("promotion", "challenge")
    acceptance = evaluation.to_json()["gates"][2]
    assert acceptance["verdict"] == "failed" and "trades 3 < 100" in acceptance["reasons"]
    assert any("Wilson" in check for check in acceptance["checks"])


def test_a_challenge_simulation_feeds_its_gate_and_a_nan_fails_it_closed() -> None:
    assert _evaluate(challenge=ChallengeEvidence(0.8, 25)).gates[1].passed
    broken = _evaluate(challenge=ChallengeEvidence(math.nan, 25)).to_json()["gates"][1]
    assert broken["verdict"] == "failed"
    assert broken["reasons"] == ["pass rate is nan, not a finite number: fails closed"]


def test_the_thresholds_come_from_the_gates_given() -> None:
    lenient = _evaluate(gates=Gates(acceptance=AcceptanceGate(min_win_rate=0.6, min_trades=3)))
    assert lenient.failing_gates == ()


def test_no_trades_evaluate_to_nulls_and_a_failed_acceptance() -> None:
    empty = BacktestTrades((), (), {}, {}, None, 0, 0, 0)
    payload = evaluate_backtest(empty, EquitySeries([], []), PERIOD, Gates(), initial_balance=100_000.0).to_json()
    json.dumps(payload, allow_nan=False)
    assert payload["trades"] == 0 and payload["pnl"]["final_equity"] is None
    assert payload["gates"][2]["reasons"][0] == "win rate is missing (nothing to measure it on): fails closed"


def test_a_trade_without_recorded_sessions_gets_them_from_its_signal_time() -> None:
    assert evaluated_trade(trade_record(session="")).sessions == ("london",)
    assert evaluated_trade(trade_record(session="london+new_york")).sessions == ("london", "new_york")


def test_json_safe_nulls_a_non_finite_number_and_says_where() -> None:
    nulls: list[dict[str, str]] = []
    assert json_safe({"a": [1.0, math.inf]}, "", nulls) == {"a": [1.0, None]}
    assert nulls == [{"path": "/a/1", "why": "inf is not a finite number"}]
