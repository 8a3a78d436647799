"""The registry's rules as a value: unique tags, one promoted tag per role, rollback only to an
earlier, previously promoted tag of the same role; and its JSON document read back field by field."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from domain.models.registry import (
    PromotionKind,
    Registry,
    RegistryEntry,
    RollbackRefused,
    TagConflict,
    UnknownTag,
    role_of,
)
from domain.models.registry_codec import registry_from_dict
from tests.unit.registry.builders import T0, card


def entry(tag: str, seed: int, pairs: tuple[str, ...] = ("BTCUSDT",), kind: str = "lstm") -> RegistryEntry:
    c = card(seed, pairs=pairs, kind=kind)
    return RegistryEntry.from_card(tag, c, f"{c.name}.pt", f"{seed:064x}", f"{seed + 1000:064x}", T0)


def test_roles_are_one_lstm_per_coin_and_one_transformer() -> None:
    assert role_of(card(1)) == "lstm_btc" and role_of(card(1, pairs=("ETHUSDT",))) == "lstm_eth"
    assert role_of(card(1, kind="transformer", pairs=("BTCUSDT", "ETHUSDT"))) == "transformer"


def test_next_tag_bumps_the_roles_latest_patch_and_skips_tags_other_roles_hold() -> None:
    registry = Registry()
    assert registry.next_tag("lstm_btc") == "v1.0.0"
    registry = registry.register(entry("v1.0.0", 1)).register(entry("v1.3.9", 2))
    assert registry.next_tag("lstm_btc") == "v1.3.10"
    registry = registry.register(entry("v1.0.1", 3, pairs=("ETHUSDT",)))
    assert registry.next_tag("transformer") == "v1.0.2"  # v1.0.0 and v1.0.1 are taken by other roles
    assert registry.next_tag("lstm_eth") == "v1.0.2"


def test_a_tag_is_never_reused_for_other_weights() -> None:
    registry = Registry().register(entry("v1.0.0", 1))
    assert registry.register(entry("v1.0.0", 1)) is registry  # the same weights again: nothing changes
    with pytest.raises(TagConflict, match=r"v1.0.0 already names other weights .*next free for lstm_btc: v1.0.1"):
        registry.register(entry("v1.0.0", 2))
    with pytest.raises(TagConflict, match=r"is already registered as v1.0.0"):
        registry.register(entry("v1.1.0", 1))


def test_promotion_replaces_the_roles_promoted_tag_only() -> None:
    registry = Registry().register(entry("v1.0.0", 1)).register(entry("v1.1.0", 2))
    registry = registry.register(entry("v1.2.0", 3, pairs=("ETHUSDT",)))
    registry = registry.promote("v1.0.0", PromotionKind.GATED, T0).promote("v1.2.0", PromotionKind.GATED, T0)
    later = T0 + timedelta(days=1)
    registry = registry.promote("1.1.0", PromotionKind.RESEARCH, later, ("promotion: too low",))
    assert dict(registry.promoted) == {"lstm_btc": "v1.1.0", "lstm_eth": "v1.2.0"}
    promoted = registry.entry("v1.1.0")
    assert (promoted.deployed_at, promoted.promotion, promoted.gate_failures) == (
        later, PromotionKind.RESEARCH, ("promotion: too low",))
    assert registry.entry("v1.0.0").deployed_at == T0  # still registered, promoted before


def test_rollback_returns_to_an_earlier_promoted_tag_and_records_the_reason() -> None:
    registry = Registry().register(entry("v1.0.0", 1)).register(entry("v1.1.0", 2))
    registry = registry.promote("v1.0.0", PromotionKind.GATED, T0).promote("v1.1.0", PromotionKind.GATED, T0)
    later = T0 + timedelta(hours=5)
    rolled, pulled = registry.rollback("v1.0.0", "live calibration drifted", later)
    assert rolled.promoted["lstm_btc"] == "v1.0.0" and rolled.entry("v1.0.0").deployed_at == later
    assert (pulled.tag, pulled.rollback_reason, pulled.rolled_back_at) == ("v1.1.0", "live calibration drifted", later)
    assert rolled.entry("v1.1.0").rollback_reason == "live calibration drifted"
    assert rolled.entry("v1.0.0").promotion is PromotionKind.GATED


@pytest.mark.parametrize(("target", "message"), [
    ("v1.1.0", "v1.1.0 is already the promoted lstm_btc model"),
    ("v1.2.0", "v1.2.0 is not earlier than the promoted lstm_btc model v1.1.0; to move forward, promote it"),
    ("v0.9.0", "v0.9.0 was never promoted"),
    ("v1.0.5", "nothing is promoted for lstm_eth"),
])
def test_rollback_refusals(target: str, message: str) -> None:
    registry = Registry()
    for tag, seed in (("v0.9.0", 9), ("v1.0.0", 1), ("v1.1.0", 2), ("v1.2.0", 3)):
        registry = registry.register(entry(tag, seed))
    registry = registry.register(entry("v1.0.5", 5, pairs=("ETHUSDT",)))
    for tag in ("v1.0.0", "v1.2.0", "v1.1.0"):
        registry = registry.promote(tag, PromotionKind.GATED, T0)
    with pytest.raises(RollbackRefused, match=message.replace("(", r"\(")):
        registry.rollback(target, "why", T0)


def test_unknown_tag_lists_the_registered_ones() -> None:
    registry = Registry().register(entry("v1.0.0", 1))
    with pytest.raises(UnknownTag, match=r"no model is registered as v2.0.0 \(registered: v1.0.0\)"):
        registry.entry("v2.0.0")


def test_entries_refuse_paths_that_leave_the_models_folder() -> None:
    with pytest.raises(ValueError, match="file"):
        RegistryEntry.from_card("v1.0.0", card(1), "../elsewhere.pt", "a" * 64, "b" * 64, T0)
    base = entry("v1.0.0", 1).as_dict()
    with pytest.raises(ValueError, match=r"models.v1.0.0: .*role must match"):
        registry_from_dict({"format": 1, "models": {"v1.0.0": {**base, "role": "../../etc"}}, "promoted": {}})


def test_the_document_round_trips() -> None:
    registry = Registry().register(entry("v1.0.0", 1)).register(entry("v1.1.0", 2))
    registry = registry.promote("v1.0.0", PromotionKind.GATED, T0).promote("v1.1.0", PromotionKind.RESEARCH, T0, ("x",))
    registry, _ = registry.rollback("v1.0.0", "because", T0 + timedelta(hours=1))
    assert registry_from_dict(json.loads(json.dumps(registry.as_dict()))) == registry


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d.update(format=2), "registry format 2 is not 1"),
    (lambda d: d["models"]["v1.0.0"].pop("sha256"), "models.v1.0.0 lacks sha256"),
    (lambda d: d["models"]["v1.0.0"].update(color="red"), "models.v1.0.0 has unknown fields color"),
    (lambda d: d["models"]["v1.0.0"].update(deployed_at="yesterday"), "models.v1.0.0.deployed_at 'yesterday'"),
    (lambda d: d["models"]["v1.0.0"].update(promotion="maybe"), "models.v1.0.0: 'maybe' is not a valid"),
    (lambda d: d.update(promoted={"lstm_btc": "v9.9.9"}), "role lstm_btc is promoted to 'v9.9.9'"),
    (lambda d: d.update(models={"v2.0.0": d["models"]["v1.0.0"]}), "filed under 'v2.0.0' is tagged 'v1.0.0'"),
])
def test_a_broken_document_is_refused_naming_the_field(mutate, message: str) -> None:
    document = Registry().register(entry("v1.0.0", 1)).promote("v1.0.0", PromotionKind.GATED, T0).as_dict()
    document = json.loads(json.dumps(document))
    mutate(document)
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        registry_from_dict(document)
