"""Which name a new feature set gets, so that a build never silently replaces another set.

The CLI's default name is dated (``features_YYYY-MM-DD``); a second, different build the same
day becomes ``features_YYYY-MM-DD.2``, then ``.3``, and rebuilding any of them from the same
inputs finds it again by its content hash and leaves it alone.
"""

from __future__ import annotations

import re
from enum import Enum

from application.features.ports import FeatureSetError, FeatureStore


class FeatureSetExists(FeatureSetError):
    """A different feature set already has the name asked for."""


class Existing(Enum):
    """What a build does when a different feature set already has its name. An identical set
    (same content hash) is always left alone and reported unchanged."""

    REPLACE = "replace"  # overwrite it (the CLI only with --force)
    REFUSE = "refuse"  # stop with FeatureSetExists (the CLI with --out)
    NUMBER = "number"  # write <name>.2, <name>.3, ... (the CLI's dated default name)


def numbered(base: str, number: int) -> str:
    return base if number == 1 else f"{base}.{number}"


def family(base: str, names: list[str]) -> list[str]:
    """``base`` and its numbered siblings among ``names``, in number order."""
    pattern = re.compile(re.escape(base) + r"(?:\.([2-9]|[1-9]\d+))?")
    found = [(int(m.group(1) or 1), name) for name in names if (m := pattern.fullmatch(name))]
    return [name for _, name in sorted(found)]


def choose_name(base: str, digest: str, existing: Existing, store: FeatureStore) -> tuple[str, bool]:
    """The name to write under, and whether a set with this content hash is already there."""
    names = store.names()
    candidates = family(base, names) if existing is Existing.NUMBER else [n for n in names if n == base]
    for name in candidates:
        if _stored_hash(store, name) == digest:
            return name, True
    if existing is Existing.NUMBER:
        number = 1
        while numbered(base, number) in names:
            number += 1
        return numbered(base, number), False
    if candidates and existing is Existing.REFUSE:
        raise FeatureSetExists(f"a different feature set is already stored at {store.location(base)}; "
                               f"pass --force to replace it, or choose another --out")
    return base, False


def _stored_hash(store: FeatureStore, name: str) -> str | None:
    try:
        return str(store.manifest(name).get("content_hash"))
    except FeatureSetError:
        return None  # unreadable: never "the same", so never silently kept nor silently replaced
