"""Precision, recall and win rate per tier, pinned on a hand-built list with one tier empty."""

from __future__ import annotations

from domain.evaluation import trade_metrics
from domain.evaluation.tiers import ALL
from domain.signals.signal import Tier
from tests.unit.evaluation.builders import DAY, NO_EQUITY, trade


def _rows(trades):  # type: ignore[no-untyped-def]
    return {row.tier: row for row in trade_metrics(trades, NO_EQUITY, DAY).tiers}


TRADES = [
    # LOW: 4 calls, 2 right, 1 unknown; 1 win
    trade(10, tier=Tier.LOW, right=True), trade(-5, tier=Tier.LOW, right=True),
    trade(-5, tier=Tier.LOW, right=False), trade(-5, tier=Tier.LOW, right=None),
    # HIGH: 3 calls, all right; 2 wins (a right call stopped out first still loses)
    trade(10, tier=Tier.HIGH, right=True), trade(10, tier=Tier.HIGH, right=True),
    trade(-5, tier=Tier.HIGH, right=True),
]


def test_precision_is_right_calls_over_calls_with_a_known_outcome() -> None:
    rows = _rows(TRADES)
    assert (rows["LOW"].precision.successes, rows["LOW"].precision.n) == (2, 3)
    assert rows["HIGH"].precision.value == 1.0
    assert (rows[ALL].precision.successes, rows[ALL].precision.n) == (5, 6)


def test_recall_is_the_share_of_right_calls_kept_at_this_tier_and_above() -> None:
    rows = _rows(TRADES)
    assert rows["LOW"].recall.value == 1.0 and rows[ALL].recall.value == 1.0
    assert (rows["MEDIUM"].recall.successes, rows["MEDIUM"].recall.n) == (3, 5)  # the HIGH ones
    assert rows["HIGH"].recall.value == 3 / 5


def test_win_rate_per_tier_with_its_interval_and_an_empty_tier() -> None:
    rows = _rows(TRADES)
    assert (rows["LOW"].win_rate.successes, rows["LOW"].win_rate.n) == (1, 4)
    assert rows["HIGH"].win_rate.value == 2 / 3
    assert rows[ALL].win_rate.value == 3 / 7 and rows[ALL].trades == 7
    medium = rows["MEDIUM"]
    assert medium.trades == 0 and medium.win_rate.value is None and medium.precision.value is None
    assert medium.win_rate.interval is None and medium.win_rate.few_trades


def test_no_right_call_leaves_recall_undefined_and_says_why() -> None:
    rows = _rows([trade(-5, right=False)])
    assert rows["LOW"].recall.value is None
    assert rows["LOW"].recall.as_dict()["note"] == "no right call to recall"
