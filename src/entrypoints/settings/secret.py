"""Secrets keep their value out of repr, str, logs and error messages."""

from __future__ import annotations

import attrs

from domain.security.redaction import MASK


@attrs.frozen(repr=False)
class Secret:
    _value: str = attrs.field(alias="value")

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK
