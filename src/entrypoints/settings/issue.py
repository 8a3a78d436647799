"""A broken settings rule, before it is given the values and sources of its keys."""

from __future__ import annotations

import attrs


@attrs.frozen
class Issue:
    # every key the rule reads: the first is the one to change, the others are what it conflicts with
    keys: tuple[str, ...]
    message: str

    @classmethod
    def at(cls, key: str, message: str) -> Issue:
        return cls((key,), message)
