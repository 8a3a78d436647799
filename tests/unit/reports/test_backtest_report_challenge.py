"""The challenge evidence `tradeai backtest --report` attaches: none without trades (and why), and
`tradeai report` reading back what a run recorded, refusing a summary that is not a simulation."""

from __future__ import annotations

import pytest

from application.backtest.trades import BacktestTrades
from entrypoints.backtest_input import BadBacktestFiles, challenge_from
from entrypoints.backtest_report import challenge_for
from entrypoints.settings import Settings

RUN = {"run": {"start": "2021-04-15T00:00:00+00:00", "end": "2021-04-20T00:00:00+00:00", "pairs": ["BTCUSDT"]}}


def test_a_run_without_trades_runs_no_challenge_and_says_why() -> None:
    empty = BacktestTrades((), (), {}, {}, 100_000.0, 10, 10, 100)
    report, why = challenge_for(Settings(), empty, RUN)
    assert report is None and why is not None and "no trades" in why
    assert challenge_from({**RUN, "challenge": {"not_run": why}}) is None


def test_the_recorded_simulation_is_the_gates_evidence() -> None:
    recorded = {"challenge": {"mode": "monte-carlo", "seed": 7, "days_per_attempt": 5},
                "pass_rate": {"successes": 3, "n": 40}}
    evidence = challenge_from({**RUN, "challenge": recorded})
    assert evidence is not None and evidence.attempts == 40 and evidence.pass_rate == pytest.approx(0.075)
    assert evidence.source == "challenge simulator, monte-carlo: 40 attempts of 5 Prague days, seed 7"


@pytest.mark.parametrize("broken", [{"pass_rate": {"successes": 1, "n": 0}, "challenge": {}},
                                    {"pass_rate": {"n": 3}, "challenge": {"mode": "x", "seed": 1}}, []])
def test_a_recorded_simulation_that_does_not_read_is_named(broken: object) -> None:
    with pytest.raises(BadBacktestFiles, match=r"summary\.json challenge"):
        challenge_from({**RUN, "challenge": broken})
