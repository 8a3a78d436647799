"""The guard state as JSON text for guard_state.state_json, and a signal for order_intents.signal_json.

One private cattrs converter serves this boundary. It is strict on the way in: a state that
does not decode exactly must stop the runtime, because starting from a blank state would forget
the day-start balance, the losses and the kill switch. Fields added to the domain later with a
default still load from an older document.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Set
from datetime import datetime
from typing import Any, TypeVar

from cattrs import BaseValidationError, transform_error
from cattrs.preconf.json import make_converter
from cattrs.v import format_exception

from domain.market.candles import Pair, require_utc
from domain.risk.emission import GuardState
from domain.signals.signal import Signal

FORMAT = 1
_T = TypeVar("_T")

# sorted sets (the trading days) keep the text stable from one save to the next
_converter = make_converter(forbid_extra_keys=True, unstruct_collection_overrides={Set: sorted})


class UnreadableState(ValueError):
    """A stored guard state that does not decode; it is never replaced by a fresh one silently."""


def _strictly(kind: type, accepted: tuple[type, ...]) -> Callable[[Any, type], Any]:
    """The default hooks coerce (bool("false") is True); a hand-edited or damaged value must fail."""

    def structure(value: Any, _: type) -> Any:
        if (isinstance(value, bool) and kind is not bool) or not isinstance(value, accepted):
            raise TypeError(f"expected {kind.__name__}, got {value!r}")
        return kind(value)

    return structure


def _datetime(value: Any, _: type) -> datetime:
    return require_utc(datetime.fromisoformat(value), "time")


_converter.register_structure_hook(bool, _strictly(bool, (bool,)))
_converter.register_structure_hook(int, _strictly(int, (int,)))
_converter.register_structure_hook(float, _strictly(float, (int, float)))
_converter.register_structure_hook(str, _strictly(str, (str,)))
_converter.register_structure_hook(datetime, _datetime)
_converter.register_unstructure_hook(datetime, lambda value: require_utc(value, "time").isoformat())
_converter.register_structure_hook(Pair, lambda value, _: Pair(value))
_converter.register_unstructure_hook(Pair, lambda pair: pair.symbol)


def _with_detail(exc: BaseException, kind: type | None) -> str:
    # cattrs' own wording drops the validator's message, which is what says what is wrong
    message = format_exception(exc, kind)
    return f"{message} ({exc})" if isinstance(exc, ValueError | TypeError) else message


def encode_state(state: GuardState) -> str:
    # repr floats (json's default) read back to the same double; NaN would not compare equal
    document = {"format": FORMAT, "state": _converter.unstructure(state)}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)


def decode_state(text: str, source: str = "state_json") -> GuardState:
    """``source`` names where the text came from, for the error a damaged state raises."""
    return _decode(text, source, "state", GuardState)


def encode_signal(signal: Signal) -> str:
    """A signal as text (an order intent's), read back exactly by decode_signal."""
    document = {"format": FORMAT, "signal": _converter.unstructure(signal)}
    return json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)


def decode_signal(text: str, source: str = "signal_json") -> Signal:
    return _decode(text, source, "signal", Signal)


def _decode(text: str, source: str, key: str, kind: type[_T]) -> _T:
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, TypeError) as exc:
        raise UnreadableState(f"{source} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT or key not in document:
        raise UnreadableState(f"{source} is not a format-{FORMAT} {kind.__name__} document")
    try:
        return _converter.structure(document[key], kind)
    except BaseValidationError as exc:
        problems = transform_error(exc, format_exception=_with_detail)
        raise UnreadableState(f"{source} does not decode: {'; '.join(problems)}") from exc
    except (ValueError, TypeError, KeyError) as exc:
        raise UnreadableState(f"{source} does not decode: {exc}") from exc
