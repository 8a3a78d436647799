"""The bridge's JSON: the broker port's values as objects, times as ISO 8601 UTC, pairs as their
symbols, enums as their values. One private cattrs converter for this boundary, strict on the way
in (a field missing or of the wrong type is a malformed answer, never a guess)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from cattrs import BaseValidationError
from cattrs.preconf.json import make_converter

from domain.market.candles import Pair, require_utc

TOKEN_HEADER = "X-Bridge-Token"  # noqa: S105  # nosec B105 - the header's name, not a token
PREFIX = "/v1"

_converter = make_converter(forbid_extra_keys=False)
_converter.register_unstructure_hook(datetime, lambda value: require_utc(value, "time").isoformat())
_converter.register_structure_hook(datetime, lambda value, _: require_utc(datetime.fromisoformat(value), "time"))
_converter.register_unstructure_hook(Pair, lambda pair: pair.symbol)
_converter.register_structure_hook(Pair, lambda value, _: Pair(value))

class MalformedMessage(ValueError):
    """A body that is not the JSON the bridge speaks."""


def plain(value: Any) -> Any:
    """``value`` as JSON-ready lists, dicts, strings and numbers."""
    return _converter.unstructure(value)


def dump(value: Any) -> bytes:
    return json.dumps(plain(value)).encode()


def load(payload: Any, kind: Any) -> Any:
    """``payload`` structured as ``kind`` (a class or a tuple[...] of one); MalformedMessage if it is not one."""
    try:
        return _converter.structure(payload, kind)
    except (BaseValidationError, ValueError, TypeError, KeyError, AttributeError) as exc:
        raise MalformedMessage(f"not a {getattr(kind, '__name__', kind)}: {type(exc).__name__}") from exc


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MalformedMessage("the body is not JSON") from exc


def parse_time(text: str | None, name: str) -> datetime:
    if not text:
        raise MalformedMessage(f"{name} is required (ISO 8601 UTC)")
    try:
        return require_utc(datetime.fromisoformat(text), name)
    except ValueError as exc:
        raise MalformedMessage(f"{name} must be an ISO 8601 UTC time, got {text!r}") from exc
