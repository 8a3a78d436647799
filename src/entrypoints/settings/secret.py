"""Secrets keep their value out of repr, str, logs and error messages."""

from __future__ import annotations

import re

import attrs

MASK = "***"
_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^:/@\s]*:)(?P<password>[^@\s]+)(?P<tail>@)")


@attrs.frozen(repr=False)
class Secret:
    _value: str = attrs.field(alias="value")

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK


def mask_url(url: str) -> str:
    """postgresql+psycopg://user:pw@host/db -> postgresql+psycopg://user:***@host/db"""
    return _URL_PASSWORD.sub(lambda m: f"{m['head']}{MASK}{m['tail']}", url)


def scrub(text: str, secrets: list[str]) -> str:
    """Remove every known secret (and URL passwords) from a text before it is shown."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, MASK)
    return mask_url(text)
