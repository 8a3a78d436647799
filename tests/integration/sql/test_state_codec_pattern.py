"""A position's pattern survives the guard state's JSON, so a close after a restart still counts it."""

from __future__ import annotations

import json

import attrs
import pytest

from adapters.sql import UnreadableState, decode_state, encode_state
from domain.signals.patterns import PatternKey
from tests.integration.sql.states import rich_state

KEY = PatternKey("0123456789abcdef", "BTCUSDT long london mid-vol uptrend conf 60-70%")


def _with_pattern():
    account = rich_state().account
    first, *rest = account.positions
    return attrs.evolve(rich_state(), account=attrs.evolve(account, positions=[attrs.evolve(first, pattern=KEY),
                                                                               *rest]))


def test_a_positions_pattern_round_trips() -> None:
    state = _with_pattern()
    assert decode_state(encode_state(state)) == state
    assert decode_state(encode_state(state)).account.positions[0].pattern == KEY


def test_a_state_saved_before_patterns_existed_loads_without_them() -> None:
    document = json.loads(encode_state(rich_state()))
    for position in document["state"]["account"]["positions"]:
        del position["pattern"]
    assert all(p.pattern is None for p in decode_state(json.dumps(document)).account.positions)


def test_a_damaged_pattern_is_refused_naming_it() -> None:
    document = json.loads(encode_state(_with_pattern()))
    document["state"]["account"]["positions"][0]["pattern"]["pattern_hash"] = ""
    with pytest.raises(UnreadableState, match="pattern"):
        decode_state(json.dumps(document))
