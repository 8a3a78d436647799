"""What the promotion gate reads from a model card: the validation accuracy per coin, the tier
calibration error, the leakage check and whether the periods form a time split.

Only the card's VALIDATION metrics count (the test period is reported, never used to choose). A
figure the card lacks is a problem named here, never a default that could pass.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from itertools import pairwise
from types import MappingProxyType
from typing import Any

import attrs

from domain.models.cards import CALIBRATION_ERROR, TEST, VALIDATION, ModelCard, accuracy_key

TRAIN = "train"


def _frozen(value: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(value))


@attrs.frozen
class PromotionInputs:
    accuracy_by_coin: Mapping[str, float] = attrs.field(converter=_frozen)
    calibration_error: float  # NaN when the card has none: the gate fails it closed
    leakage_passed: bool
    time_split: bool
    problems: tuple[str, ...]  # what the card lacks or gets wrong, one line each


def promotion_inputs(card: ModelCard) -> PromotionInputs:
    validation = card.metrics.get(VALIDATION, {})
    problems: list[str] = []
    if not validation:
        problems.append(f"the card has no {VALIDATION} metrics")
    accuracy: dict[str, float] = {}
    for pair in card.pairs:
        key = accuracy_key(pair)
        if key in validation:
            accuracy[pair] = validation[key]
        elif validation:
            problems.append(f"the card's {VALIDATION} metrics lack {key}")
    calibration = validation.get(CALIBRATION_ERROR, math.nan)
    if validation and CALIBRATION_ERROR not in validation:
        problems.append(f"the card's {VALIDATION} metrics lack {CALIBRATION_ERROR}")
    if card.leakage_passed is None:
        problems.append("the feature set's leakage check was not run (leakage_passed is null)")
    split_problem = time_split_problem(card.split)
    if split_problem is not None:
        problems.append(split_problem)
    return PromotionInputs(accuracy, calibration, card.leakage_passed is True, split_problem is None, tuple(problems))


def time_split_problem(split: Mapping[str, Any]) -> str | None:
    """None when the card's periods form a time split: each ``[start, end)`` in ISO, none
    overlapping another, train before validation before test (whatever order the card lists
    them in: cards are written with sorted keys); otherwise why not."""
    if TRAIN not in split or VALIDATION not in split:
        return f"the card's split lacks a {TRAIN} or {VALIDATION} period, so it is not known to be a time split"
    periods: list[tuple[datetime, datetime, str]] = []
    for name, bounds in split.items():
        parsed = _bounds(bounds)
        if parsed is None:
            return f"the card's split period {name} is not an ISO [start, end) pair: {bounds!r}"
        periods.append((*parsed, str(name)))
    periods.sort()
    for (_, end, before), (start, _, after) in pairwise(periods):
        if start < end:
            return f"the card's split periods {before} and {after} overlap: not a time split"
    names = [name for _, _, name in periods]
    expected = [name for name in (TRAIN, VALIDATION, TEST) if name in names]
    if [name for name in names if name in expected] != expected:
        return f"the card's periods run {' < '.join(names)}, not {' < '.join(expected)}: not a time split"
    return None


def _bounds(bounds: Any) -> tuple[datetime, datetime] | None:
    if not isinstance(bounds, list | tuple) or len(bounds) != 2:
        return None
    try:
        start, end = (datetime.fromisoformat(str(b)) for b in bounds)
    except ValueError:
        return None
    if start.tzinfo is None or end.tzinfo is None or end <= start:
        return None
    return start, end
