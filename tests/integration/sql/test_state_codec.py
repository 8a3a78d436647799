"""The guard state's JSON codec: an exact round trip, and a loud failure on a damaged document."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import attrs
import pytest

from adapters.sql import UnreadableState, decode_state, encode_state
from domain.risk.account import DayResult
from tests.integration.sql.states import fresh_state, rich_state


@pytest.mark.parametrize("state", [fresh_state(), rich_state()], ids=["fresh", "rich"])
def test_decode_gives_back_the_state_exactly(state) -> None:
    decoded = decode_state(encode_state(state))
    assert decoded == state
    assert encode_state(decoded) == encode_state(state)  # stable text: sets are written sorted


def test_times_come_back_aware_utc_to_the_microsecond() -> None:
    state = rich_state()
    decoded = decode_state(encode_state(state))
    times = [*decoded.losses, *(e.at for e in decoded.emissions), *(p.opened_at for p in decoded.account.positions),
             decoded.as_of]
    assert all(t.tzinfo is not None and t.utcoffset().total_seconds() == 0 for t in times)
    assert decoded.account.positions[0].opened_at.microsecond == 123456


def test_floats_are_exact() -> None:
    awkward = [0.1 + 0.2, 1e-300, 123456789.12345679, 99989.4128257, 2 ** 53 + 1.0, 5e-324]
    account = attrs.evolve(fresh_state().account, history=[DayResult(date(2025, 1, d + 1), v, -v)
                                                           for d, v in enumerate(awkward)])
    decoded = decode_state(encode_state(attrs.evolve(fresh_state(), account=account)))
    assert [(d.start_balance, d.end_balance) for d in decoded.account.history] == [(v, -v) for v in awkward]


def test_an_older_document_without_the_newer_fields_loads_with_their_defaults() -> None:
    document = json.loads(encode_state(rich_state()))
    del document["state"]["tiers"], document["state"]["as_of"]
    decoded = decode_state(json.dumps(document))
    assert decoded == attrs.evolve(rich_state(), tiers=fresh_state().tiers, as_of=None)


def _damaged(change) -> str:
    document = json.loads(encode_state(rich_state()))
    change(document["state"])
    return json.dumps(document)


@pytest.mark.parametrize(("text", "detail"), [
    ("{not json", "not valid JSON"),
    ('{"state": {}}', "format-1"),
    ("[]", "format-1"),
    (_damaged(lambda s: s.pop("account")), "account"),
    (_damaged(lambda s: s.update(surprise=1)), "surprise"),
    (_damaged(lambda s: s.update(kill_switch="false")), "kill_switch"),
    (_damaged(lambda s: s["account"].update(balance="100000")), "balance"),
    (_damaged(lambda s: s["losses"].append("2025-03-30T01:00:00")), "UTC"),
    (_damaged(lambda s: s["account"]["positions"][0].update(pair="btc/usdt")), "pair"),
    (_damaged(lambda s: s["emissions"][0].update(tier="HUGE")), "tier"),
])
def test_a_damaged_document_raises_naming_where_it_came_from(text, detail) -> None:
    with pytest.raises(UnreadableState, match="guard_state row of account 'live'") as raised:
        decode_state(text, "guard_state row of account 'live'")
    assert detail in str(raised.value)


def test_a_naive_time_is_refused_on_the_way_out_too() -> None:
    with pytest.raises(ValueError, match="UTC"):
        encode_state(attrs.evolve(rich_state(), as_of=datetime(2025, 1, 1)))
    assert decode_state(encode_state(attrs.evolve(rich_state(), as_of=datetime(2025, 1, 1, tzinfo=UTC))))
