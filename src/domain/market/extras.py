"""The fields of a Binance kline beyond OHLCV: quote asset volume, number of trades and taker-buy
base volume. The data.binance.vision archive files and the REST klines carry them; plain OHLCV
files (the shared data) do not, so they are optional columns, NaN wherever a source lacked them.

``OhlcvExtras`` is an ``Ohlcv``, so everything that reads candles keeps working, and its ``take``
and ``concat`` keep the extra columns. Code that rebuilds a plain ``Ohlcv`` drops them, which
loses information but never corrupts it: the extras are optional everywhere.

Merging follows the OHLCV rule (the stored value wins, a disagreement is reported) column by
column, with one addition: an extra the store lacks (NaN) is filled from an incoming row whose
OHLCV agrees, so importing the archive over OHLCV-only candles adds the extras without conflicts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from domain.market.candles import FloatArray, IntArray, as_float_array
from domain.market.quality import COLUMNS, Mask, Ohlcv, sort_unique
from domain.market.quality_merge import MergeOutcome, merge_candles

EXTRA_COLUMNS = ("quote_volume", "trades", "taker_buy_volume")


@attrs.frozen(eq=False)
class OhlcvExtras(Ohlcv):
    """Candles with the optional kline fields (NaN where unknown). Trade counts are held as
    float64 so that unknown can be NaN; counts below 2**53 are exact."""

    quote_volume: FloatArray = attrs.field(converter=as_float_array)
    trades: FloatArray = attrs.field(converter=as_float_array)
    taker_buy_volume: FloatArray = attrs.field(converter=as_float_array)

    def __attrs_post_init__(self) -> None:
        super().__attrs_post_init__()
        if any(len(getattr(self, name)) != len(self) for name in EXTRA_COLUMNS):
            raise ValueError("every extra column must have as many rows as open_time_ms")

    @classmethod
    def of(cls, candles: Ohlcv, extras: Mapping[str, Any] | None = None) -> OhlcvExtras:
        """``candles`` with ``extras`` (or the extras it already has); columns not given are NaN."""
        given = {**extras_of(candles), **(extras or {})}
        unknown = sorted(set(given) - set(EXTRA_COLUMNS))
        if unknown:
            raise ValueError(f"unknown extra columns {unknown}; known: {list(EXTRA_COLUMNS)}")
        missing = np.full(len(candles), np.nan)
        return cls(*(getattr(candles, name) for name in COLUMNS), *(given.get(name, missing) for name in EXTRA_COLUMNS))

    @classmethod
    def empty(cls) -> OhlcvExtras:
        return cls.of(Ohlcv.empty())

    @classmethod
    def concat(cls, parts: Sequence[Ohlcv]) -> OhlcvExtras:
        if not parts:
            return cls.empty()
        widened = [cls.of(p) for p in parts]
        base = Ohlcv.concat([plain(p) for p in widened])
        return cls.of(base, {name: np.concatenate([getattr(p, name) for p in widened]) for name in EXTRA_COLUMNS})

    def take(self, index: Any) -> OhlcvExtras:
        return OhlcvExtras.of(plain(self).take(index), {name: getattr(self, name)[index] for name in EXTRA_COLUMNS})


def plain(candles: Ohlcv) -> Ohlcv:
    """The OHLCV columns alone."""
    if type(candles) is Ohlcv:
        return candles
    return Ohlcv(*(getattr(candles, name) for name in COLUMNS))


def extras_of(candles: Ohlcv) -> dict[str, FloatArray]:
    """Every extra column of ``candles`` (NaN where unknown); empty for plain OHLCV."""
    if not isinstance(candles, OhlcvExtras):
        return {}
    return {name: getattr(candles, name) for name in EXTRA_COLUMNS}


def has_extras(candles: Ohlcv) -> bool:
    """Whether any row knows any extra (a store keeps OHLCV-only data in the OHLCV-only layout)."""
    return any(bool(np.isfinite(values).any()) for values in extras_of(candles).values())


def complete_extras(candles: Ohlcv) -> dict[str, FloatArray]:
    """The extras known on every row: only those can become features without holes."""
    if not len(candles):
        return {}
    return {name: values for name, values in extras_of(candles).items() if bool(np.isfinite(values).all())}


def concat_candles(parts: Sequence[Ohlcv]) -> Ohlcv:
    """``Ohlcv.concat``, keeping the extras when any part has them."""
    if any(isinstance(p, OhlcvExtras) for p in parts):
        return OhlcvExtras.concat(parts)
    return Ohlcv.concat(parts)


@attrs.frozen(eq=False)
class ExtrasMerge:
    outcome: MergeOutcome  # as merge_candles, extras merged in and extras disagreements counted as conflicts
    filled: int  # stored rows whose unknown extras the incoming rows supplied

    @property
    def changed(self) -> bool:
        return bool(self.outcome.added or self.filled)


def merge_with_extras(existing: Ohlcv, incoming: Ohlcv, rtol: float = 1e-9) -> ExtrasMerge:
    """``merge_candles`` over OHLCV, then the extras column by column (see the module docstring)."""
    outcome = merge_candles(existing, incoming, rtol)
    if not (isinstance(existing, OhlcvExtras) or isinstance(incoming, OhlcvExtras)):
        return ExtrasMerge(outcome, 0)
    stored, new = OhlcvExtras.of(sort_unique(existing)), OhlcvExtras.of(sort_unique(incoming))
    times = outcome.merged.open_time_ms
    at_stored, in_stored = _positions(stored.open_time_ms, times)
    at_new, in_new = _positions(new.open_time_ms, times)
    # an incoming row whose OHLCV disagrees is suspect: none of its fields are taken
    trusted = in_new & ~np.isin(times, outcome.conflicts.open_time_ms)
    merged: dict[str, FloatArray] = {}
    filled = np.zeros(len(times), dtype=bool)
    disagree = np.zeros(len(times), dtype=bool)
    for name in EXTRA_COLUMNS:
        kept = _at(getattr(stored, name), at_stored, in_stored)
        offered = _at(getattr(new, name), at_new, trusted)
        known, offered_known = np.isfinite(kept), np.isfinite(offered)
        disagree |= known & offered_known & ~np.isclose(kept, offered, rtol=rtol, atol=0.0)
        fill = ~known & offered_known
        filled |= fill & in_stored
        merged[name] = np.where(fill, offered, kept)
    return ExtrasMerge(_with_disagreements(outcome, OhlcvExtras.of(outcome.merged, merged), new, stored,
                                           times[disagree]), int(np.count_nonzero(filled)))


def _positions(sorted_times: IntArray, times: IntArray) -> tuple[IntArray, Mask]:
    """Index of each of ``times`` in ``sorted_times`` and whether it is there."""
    at = np.searchsorted(sorted_times, times)
    inside = at < len(sorted_times)
    found = np.zeros(len(times), dtype=bool)
    found[inside] = sorted_times[at[inside]] == times[inside]
    return at, found


def _at(values: FloatArray, at: IntArray, where: Mask) -> FloatArray:
    out = np.full(len(at), np.nan)
    out[where] = values[at[where]]
    return out


def _with_disagreements(outcome: MergeOutcome, merged: OhlcvExtras, new: OhlcvExtras, stored: OhlcvExtras,
                        disagreeing: IntArray) -> MergeOutcome:
    if not len(disagreeing):
        return attrs.evolve(outcome, merged=merged)
    conflicts = concat_candles([outcome.conflicts, new.take(np.isin(new.open_time_ms, disagreeing))])
    existing = concat_candles([outcome.existing_at_conflicts, stored.take(np.isin(stored.open_time_ms, disagreeing))])
    order = np.argsort(conflicts.open_time_ms, kind="stable")
    return MergeOutcome(merged, outcome.added, outcome.unchanged - len(disagreeing), conflicts.take(order),
                        existing.take(np.argsort(existing.open_time_ms, kind="stable")))
