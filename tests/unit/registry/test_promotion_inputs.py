"""What the promotion gate reads from a card: validation figures only, a time split, and every
figure the card lacks named (never defaulted to something that could pass)."""

from __future__ import annotations

import math

import pytest

from domain.models.promotion import promotion_inputs, time_split_problem
from tests.unit.registry.builders import TIME_SPLIT, card


def test_a_complete_card_reads_its_validation_figures_not_the_test_period() -> None:
    inputs = promotion_inputs(card(accuracy=0.71, calibration=0.03, test_accuracy=0.99))
    assert dict(inputs.accuracy_by_coin) == {"BTCUSDT": 0.71}
    assert (inputs.calibration_error, inputs.leakage_passed, inputs.time_split, inputs.problems) == (
        0.03, True, True, ())


def test_missing_figures_are_problems_and_fail_closed() -> None:
    inputs = promotion_inputs(card(accuracy=None, calibration=None, leakage=None))
    assert dict(inputs.accuracy_by_coin) == {} and math.isnan(inputs.calibration_error)
    assert inputs.leakage_passed is False
    assert inputs.problems == ("the card's validation metrics lack accuracy_BTCUSDT",
                               "the card's validation metrics lack calibration_error",
                               "the feature set's leakage check was not run (leakage_passed is null)")


@pytest.mark.parametrize(("split", "fragment"), [
    ({"validation": TIME_SPLIT["validation"]}, "lacks a train or validation period"),
    ({"train": TIME_SPLIT["validation"], "validation": TIME_SPLIT["train"]}, "run validation < train, not train <"),
    ({**TIME_SPLIT, "test": ["2019-01-01T00:00:00+00:00", "2019-06-01T00:00:00+00:00"]}, "run test < train < validation"),
    ({"train": ["2020-01-01T00:00:00+00:00", "2024-06-01T00:00:00+00:00"], "validation": TIME_SPLIT["validation"]},
     "overlap"),
    ({"train": "shuffled 80%", "validation": TIME_SPLIT["validation"]}, "period train is not an ISO"),
    ({"train": ["2020-01-01", "2021-01-01"], "validation": TIME_SPLIT["validation"]}, "period train is not an ISO"),
])
def test_a_split_that_is_not_a_time_split_says_why(split, fragment: str) -> None:
    problem = time_split_problem(split)
    assert problem is not None and fragment in problem
    assert promotion_inputs(card(split=split)).time_split is False


def test_train_then_validation_then_test_is_a_time_split_in_any_listed_order() -> None:
    assert time_split_problem(TIME_SPLIT) is None
    assert time_split_problem(dict(sorted(TIME_SPLIT.items()))) is None  # test, train, validation: as JSON sorts
    touching = {"train": ["2024-01-01T00:00:00+00:00", "2024-03-01T00:00:00+00:00"],
                "validation": ["2024-03-01T00:00:00+00:00", "2024-03-08T00:00:00+00:00"]}
    assert time_split_problem(touching) is None  # [start, end): the bound is shared, not overlapped
