"""The model registry as a value: semver tags mapped to registered weights, and the tag each role
serves.

A role is what the runtime asks a model for: an LSTM per coin (``lstm_btc``, ``lstm_eth``, ...)
and one transformer across coins (``transformer``). The rules:

- a tag names one set of weights for good: registering other weights under a taken tag is refused,
  and so is registering weights already held under another tag (the same weights under the same
  tag again changes nothing);
- promoting a tag makes it its role's served model, replacing the one before;
- a rollback returns a role to a named earlier tag (a lower version) that was promoted before, so
  it can never put into service a model that never went through promotion.

Every change returns a new ``Registry``; the time is an argument.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import attrs

from domain.market.candles import require_utc
from domain.models.cards import ModelCard, ModelKind
from domain.models.semver import FIRST, Version, normalise_tag

REGISTRY_FORMAT = 1
_ROLE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_FILE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}\.pt$")


class PromotionKind(StrEnum):
    GATED = "gated"  # every promotion gate passed
    RESEARCH = "research"  # promoted without its gates, for dry-run research only: live refuses it


class RegistryError(ValueError):
    """A registry rule was broken; the message says which and what to do instead."""


class UnknownTag(RegistryError):
    pass


class TagConflict(RegistryError):
    """A tag taken by other weights, or weights already registered under another tag."""


class RollbackRefused(RegistryError):
    pass


def role_of(card: ModelCard) -> str:
    """``lstm_<coin>`` for a per-coin LSTM, ``transformer`` for the one across coins. The coin is
    the one in the card's name (``lstm_btc_a3f2d1...``), so the two never spell it differently."""
    if card.kind is ModelKind.LSTM:
        return f"{card.kind.value}_{card.name.split('_')[1]}"
    return card.kind.value


def _registered_at(value: datetime) -> datetime:
    return require_utc(value, "registered_at")


def _deployed_at(value: datetime | None) -> datetime | None:
    return None if value is None else require_utc(value, "deployed_at")


def _rolled_back_at(value: datetime | None) -> datetime | None:
    return None if value is None else require_utc(value, "rolled_back_at")


def _promotion(value: str | None) -> PromotionKind | None:
    return None if value is None else PromotionKind(value)


def _strings(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(str(v) for v in value)


def _params(value: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(value))


def _metrics(value: Mapping[str, Mapping[str, float]]) -> Mapping[str, Mapping[str, float]]:
    return MappingProxyType({str(k): MappingProxyType({str(n): float(x) for n, x in dict(v).items()})
                             for k, v in dict(value).items()})


@attrs.frozen
class RegistryEntry:
    tag: str = attrs.field(converter=normalise_tag)
    role: str
    file: str  # the weights' file name in the models folder; the card is beside it (``card_file``)
    sha256: str  # of the weights file when it was registered
    card_sha256: str  # of the card file: its metrics are what promotion reads
    kind: ModelKind = attrs.field(converter=ModelKind)
    pairs: tuple[str, ...] = attrs.field(converter=_strings)
    params: Mapping[str, Any] = attrs.field(converter=_params, hash=False)
    feature_set_hash: str
    metrics: Mapping[str, Mapping[str, float]] = attrs.field(converter=_metrics, hash=False)
    registered_at: datetime = attrs.field(converter=_registered_at)
    deployed_at: datetime | None = attrs.field(default=None, converter=_deployed_at)
    promotion: PromotionKind | None = attrs.field(default=None, converter=_promotion)
    gate_failures: tuple[str, ...] = attrs.field(default=(), converter=_strings)  # what a research promotion lacked
    rolled_back_at: datetime | None = attrs.field(default=None, converter=_rolled_back_at)
    rollback_reason: str | None = None

    def __attrs_post_init__(self) -> None:
        # both become paths (models/<file>, models/promoted/<role>): nothing that could leave the folder
        if not _ROLE.match(self.role) or not _FILE.match(self.file):
            raise ValueError(f"registry entry {self.tag}: role must match {_ROLE.pattern} and file {_FILE.pattern}, "
                             f"got role {self.role!r}, file {self.file!r}")
        if len(self.sha256) != 64 or len(self.card_sha256) != 64:
            raise ValueError(f"registry entry {self.tag}: sha256 values must be 64 hex digits")

    @classmethod
    def from_card(cls, tag: str, card: ModelCard, file: str, sha256: str, card_sha256: str,
                  now: datetime) -> RegistryEntry:
        return cls(tag=tag, role=role_of(card), file=file, sha256=sha256, card_sha256=card_sha256, kind=card.kind,
                   pairs=card.pairs, params=card.params, feature_set_hash=card.feature_set_hash,
                   metrics=card.metrics, registered_at=now)

    @property
    def version(self) -> Version:
        return Version.parse(self.tag)

    @property
    def card_file(self) -> str:
        return self.file.rsplit(".", 1)[0] + ".json"

    def as_dict(self) -> dict[str, Any]:
        return {
            "tag": self.tag, "role": self.role, "file": self.file, "sha256": self.sha256,
            "card_sha256": self.card_sha256, "kind": self.kind.value, "pairs": list(self.pairs),
            "params": dict(self.params), "feature_set_hash": self.feature_set_hash,
            "metrics": {k: dict(v) for k, v in self.metrics.items()},
            "registered_at": self.registered_at.isoformat(), "deployed_at": _iso(self.deployed_at),
            "promotion": None if self.promotion is None else self.promotion.value,
            "gate_failures": list(self.gate_failures), "rolled_back_at": _iso(self.rolled_back_at),
            "rollback_reason": self.rollback_reason,
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _entries(value: Mapping[str, RegistryEntry]) -> Mapping[str, RegistryEntry]:
    return MappingProxyType(dict(value))


def _promoted(value: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(value))


@attrs.frozen
class Registry:
    entries: Mapping[str, RegistryEntry] = attrs.field(factory=dict, converter=_entries)
    promoted: Mapping[str, str] = attrs.field(factory=dict, converter=_promoted)  # role -> tag it serves

    def __attrs_post_init__(self) -> None:
        hashes: dict[str, str] = {}
        for tag, entry in self.entries.items():
            if tag != entry.tag:
                raise ValueError(f"registry entry filed under {tag!r} is tagged {entry.tag!r}")
            if entry.sha256 in hashes:
                raise ValueError(f"{tag} and {hashes[entry.sha256]} hold the same weights (sha256 {entry.sha256[:12]})")
            hashes[entry.sha256] = tag
        for role, tag in self.promoted.items():
            served = self.entries.get(tag)
            if served is None or served.role != role or served.promotion is None:
                raise ValueError(f"role {role} is promoted to {tag!r}, which is not a promoted {role} entry")

    def entry(self, tag: str) -> RegistryEntry:
        wanted = normalise_tag(tag)
        if wanted not in self.entries:
            known = ", ".join(e.tag for e in self.ordered()) or "none"
            raise UnknownTag(f"no model is registered as {wanted} (registered: {known})")
        return self.entries[wanted]

    def ordered(self) -> list[RegistryEntry]:
        """By role, then version."""
        return sorted(self.entries.values(), key=lambda e: (e.role, e.version))

    def tags_of(self, role: str) -> list[str]:
        return [e.tag for e in self.ordered() if e.role == role]

    def promoted_entry(self, role: str) -> RegistryEntry | None:
        tag = self.promoted.get(role)
        return None if tag is None else self.entries[tag]

    def next_tag(self, role: str) -> str:
        """The role's highest tag with its patch bumped (``v1.0.0`` for a new role), skipping tags
        other roles hold: tags are unique across the registry."""
        tags = self.tags_of(role)
        candidate = Version.parse(tags[-1]).bump_patch() if tags else FIRST
        while str(candidate) in self.entries:
            candidate = candidate.bump_patch()
        return str(candidate)

    def register(self, entry: RegistryEntry) -> Registry:
        held = self.entries.get(entry.tag)
        if held is not None:
            if held.sha256 == entry.sha256 and held.file == entry.file:
                return self  # the same weights under the same tag: nothing changes
            raise TagConflict(f"{entry.tag} already names other weights ({held.file}, sha256 {held.sha256[:12]}); "
                              f"a tag is never reused: pick another (next free for {entry.role}: "
                              f"{self.next_tag(entry.role)})")
        twin = next((e for e in self.entries.values() if e.sha256 == entry.sha256), None)
        if twin is not None:
            raise TagConflict(f"{entry.file} is already registered as {twin.tag} (same sha256 {entry.sha256[:12]})")
        return attrs.evolve(self, entries={**self.entries, entry.tag: entry})

    def promote(self, tag: str, kind: PromotionKind, now: datetime, gate_failures: tuple[str, ...] = ()) -> Registry:
        """``tag`` becomes its role's served model; the one it replaces stays registered."""
        entry = self.entry(tag)
        promoted = attrs.evolve(entry, deployed_at=now, promotion=kind, gate_failures=gate_failures,
                                rolled_back_at=None, rollback_reason=None)
        return Registry({**self.entries, entry.tag: promoted}, {**self.promoted, entry.role: entry.tag})

    def rollback(self, tag: str, reason: str, now: datetime) -> tuple[Registry, RegistryEntry]:
        """Serve the earlier ``tag`` again in its role; returns the new registry and the entry pulled."""
        target = self.entry(tag)
        current = _rollback_from(target, self.promoted_entry(target.role))
        pulled = attrs.evolve(current, rolled_back_at=now, rollback_reason=reason)
        restored = attrs.evolve(target, deployed_at=now, rolled_back_at=None, rollback_reason=None)
        entries = {**self.entries, pulled.tag: pulled, restored.tag: restored}
        return Registry(entries, {**self.promoted, target.role: target.tag}), pulled

    def as_dict(self) -> dict[str, Any]:
        return {"format": REGISTRY_FORMAT, "models": {e.tag: e.as_dict() for e in self.ordered()},
                "promoted": dict(sorted(self.promoted.items()))}


def _rollback_from(target: RegistryEntry, current: RegistryEntry | None) -> RegistryEntry:
    """The entry a rollback to ``target`` pulls; RollbackRefused when the rules forbid it."""
    role = target.role
    if current is None:
        raise RollbackRefused(f"nothing is promoted for {role}: there is nothing to roll back from")
    if current.tag == target.tag:
        raise RollbackRefused(f"{target.tag} is already the promoted {role} model")
    if target.version >= current.version:
        raise RollbackRefused(f"{target.tag} is not earlier than the promoted {role} model {current.tag}; "
                              f"to move forward, promote it (its gates are checked)")
    if target.deployed_at is None:
        raise RollbackRefused(f"{target.tag} was never promoted: a rollback only returns to a version that was "
                              f"promoted before; promote it instead (its gates are checked)")
    return current
