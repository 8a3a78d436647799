"""Fill costs drawn from the execution model: by the session open at the fill, repeatable from the
seed, independent of which fills were drawn before, and the p90s exactly when nothing is measured."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime

import numpy as np
import pytest

from domain.execution.instruments import Instruments
from domain.execution.sampling import CostDraw, FillCosts, Leg
from domain.market.candles import Pair
from tests.conftest import PROJECT_ROOT
from tests.unit.domain.builders import (
    SESSION_RANGES,
    SESSION_TIMES,
    constant_p90_model,
    disjoint_session_model,
    utc,
)

BTC, ETH = Pair("BTCUSDT"), Pair("ETHUSDT")
SPEC = Instruments().spec_for(BTC)
LONDON = SESSION_TIMES["london"]


def _draws(costs: FillCosts, ids: list[str], at: datetime = LONDON, leg: Leg = "open") -> list[CostDraw]:
    return [costs.draw(SPEC, BTC, at, i, leg) for i in ids]


def test_the_same_seed_draws_the_same_costs() -> None:
    ids = [f"s{i}" for i in range(50)]
    assert _draws(FillCosts(disjoint_session_model(), 7), ids) == _draws(FillCosts(disjoint_session_model(), 7), ids)


def test_another_seed_draws_other_costs() -> None:
    ids = [f"s{i}" for i in range(50)]
    assert _draws(FillCosts(disjoint_session_model(), 7), ids) != _draws(FillCosts(disjoint_session_model(), 8), ids)


def test_a_fills_draw_does_not_depend_on_the_fills_drawn_before_it() -> None:
    # the backtest skips scans a replay runs: the draw for one id must not move with the others
    costs = FillCosts(disjoint_session_model(), 7)
    alone = costs.draw(SPEC, BTC, LONDON, "x", "open")
    _draws(costs, [f"other{i}" for i in range(20)], leg="close")
    assert costs.draw(SPEC, BTC, LONDON, "x", "open") == alone
    assert _draws(costs, ["a", "x", "b"])[1] == alone


def test_open_and_close_legs_and_ids_draw_apart() -> None:
    costs = FillCosts(disjoint_session_model(), 7)
    assert costs.draw(SPEC, BTC, LONDON, "x", "open") != costs.draw(SPEC, BTC, LONDON, "x", "close")
    assert len(set(_draws(costs, [f"s{i}" for i in range(100)]))) == 100


@pytest.mark.parametrize("session", list(SESSION_RANGES))
def test_a_fill_draws_from_the_session_open_at_its_time(session: str) -> None:
    costs = FillCosts(disjoint_session_model(), 3)
    lo, hi = SESSION_RANGES[session]
    draws = _draws(costs, [f"s{i}" for i in range(300)], at=SESSION_TIMES[session])
    spreads = np.array([d.spread_bps for d in draws])
    slippages = np.array([d.slippage_bps for d in draws])
    assert spreads.min() >= lo and spreads.max() <= hi
    assert slippages.min() >= lo / 10 and slippages.max() <= hi / 10
    assert spreads.std() > 0.1  # drawn across the session's range, not one figure


def test_an_overlap_of_sessions_draws_from_the_wider_one() -> None:
    overlap = utc(2024, 3, 1, 14)  # London and New York both open
    draw = FillCosts(disjoint_session_model(), 3).draw(SPEC, BTC, overlap, "x", "open")
    assert SESSION_RANGES["new_york"][0] <= draw.spread_bps <= SESSION_RANGES["new_york"][1]


def test_without_a_model_every_fill_pays_the_instruments_p90() -> None:
    assert FillCosts().draw(SPEC, BTC, LONDON, "x", "open") == CostDraw(SPEC.spread_p90_bps, SPEC.slippage_p90_bps)
    assert FillCosts().p90_slippage_bps(SPEC, BTC, LONDON) == SPEC.slippage_p90_bps


def test_a_pair_the_model_did_not_measure_pays_its_instruments_p90() -> None:
    eth = Instruments().spec_for(ETH)
    assert FillCosts(disjoint_session_model(), 1).draw(eth, ETH, LONDON, "x", "open") == CostDraw.p90(eth)


def test_the_placeholders_as_constant_distributions_draw_exactly_the_p90s() -> None:
    costs = FillCosts(constant_p90_model(), 11)
    for session, at in SESSION_TIMES.items():
        assert _draws(costs, ["a", "b"], at=at) == [CostDraw.p90(SPEC)] * 2, session


def test_the_latency_penalty_reads_the_sessions_p90_slippage() -> None:
    costs = FillCosts(disjoint_session_model(), 1)
    for session, at in SESSION_TIMES.items():
        lo, hi = SESSION_RANGES[session]
        assert lo / 10 <= costs.p90_slippage_bps(SPEC, BTC, at) <= hi / 10, session


def test_a_negative_seed_is_refused() -> None:
    with pytest.raises(ValueError, match="seed must be >= 0"):
        FillCosts(None, -1)


def test_draws_do_not_depend_on_pythons_string_hash() -> None:
    # Python salts str hashes per process; the ids are hashed with blake2b so draws repeat across runs
    code = ("from datetime import UTC, datetime; from domain.execution.sampling import FillCosts;"
            "from domain.execution.instruments import Instruments; from domain.market.candles import Pair;"
            "from tests.unit.domain.builders import disjoint_session_model as m;"
            "p = Pair('BTCUSDT'); s = Instruments().spec_for(p);"
            "print(FillCosts(m(), 5).draw(s, p, datetime(2024, 3, 1, 10, tzinfo=UTC), 'abc', 'open'))")
    outputs = {subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": salt},
                              cwd=PROJECT_ROOT, capture_output=True, text=True, check=True).stdout for salt in ("1", "2")}
    assert outputs == {str(FillCosts(disjoint_session_model(), 5).draw(SPEC, BTC, LONDON, "abc", "open")) + "\n"}
