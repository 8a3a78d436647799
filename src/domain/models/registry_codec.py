"""Reading a registry back from its JSON document (``Registry.as_dict`` writes it): every field is
checked and a problem names the entry and the field, so a hand-edited registry.json that went
wrong says where."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from domain.models.registry import REGISTRY_FORMAT, Registry, RegistryEntry

_REQUIRED = ("tag", "role", "file", "sha256", "card_sha256", "kind", "pairs", "params", "feature_set_hash",
             "metrics", "registered_at")
_TIMES = ("registered_at", "deployed_at", "rolled_back_at")


def registry_from_dict(data: Any) -> Registry:
    """ValueError naming the entry and field that is missing or wrong."""
    if not isinstance(data, Mapping):
        raise ValueError(f"the registry must be a JSON object, got {type(data).__name__}")
    if data.get("format") != REGISTRY_FORMAT:
        raise ValueError(f"registry format {data.get('format')!r} is not {REGISTRY_FORMAT}")
    models, promoted = data.get("models"), data.get("promoted")
    if not isinstance(models, Mapping) or not isinstance(promoted, Mapping):
        raise ValueError("the registry needs a 'models' object and a 'promoted' object")
    entries = {str(tag): _entry(str(tag), raw) for tag, raw in models.items()}
    if not all(isinstance(tag, str) for tag in promoted.values()):
        raise ValueError("every 'promoted' value must be a tag string")
    return Registry(entries, {str(role): str(tag) for role, tag in promoted.items()})


def _entry(key: str, raw: Any) -> RegistryEntry:
    where = f"models.{key}"
    if not isinstance(raw, Mapping):
        raise ValueError(f"{where} must be an object")
    missing = [name for name in _REQUIRED if name not in raw]
    if missing:
        raise ValueError(f"{where} lacks {', '.join(missing)}")
    known = {a.name for a in attrs.fields(RegistryEntry)}
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValueError(f"{where} has unknown fields {', '.join(unknown)}")
    values = dict(raw)
    for name in _TIMES:
        values[name] = _time(where, name, values.get(name))
    try:
        return RegistryEntry(**values)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}") from None


def _time(where: str, name: str, value: Any) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{where}.{name} {value!r} is not an ISO datetime") from None
