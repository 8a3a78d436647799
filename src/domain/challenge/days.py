"""One Prague day of events for many attempts at once, and the trades they carry over midnight.

Each period day's own events (its trades' openings and same-day closings, in time order) are
worked out once (``DayTable``). An attempt's day is then its block's sequence, gathered for every
attempt at once. A trade carried into the day (one that closes after a midnight) closes between
two of the day's own events: ``landings`` says between which, by time. The simulator builds each
day only for the attempts still running, so an attempt that ends early costs nothing afterwards.
"""

from __future__ import annotations

import attrs
import numpy as np
import numpy.typing as npt

from domain.challenge.trades import DAY_KEY_MS, IntArray, Timeline

PAD, OPEN, CLOSE = 0, 1, 2
_LAST = np.iinfo(np.int64).max
_KEY_SPAN = 4 * DAY_KEY_MS  # above every key of a day (2 x milliseconds + 1, a day lasting 25 hours at most)
BoolArray = npt.NDArray[np.bool_]
Int8Array = npt.NDArray[np.int8]


@attrs.frozen(eq=False)
class DayTable:
    """Per period day (a column; the last column is a day without trades), its own events in
    time order, (events, days) arrays: ``key`` orders them (milliseconds since midnight, a close
    before an open at the same instant, as the runtime settles exits before it emits), ``held``
    is the event index of a close's opening (-1 for an opening). ``cross`` lists the day's trades
    that close after its midnight and ``cross_at`` the event index of their openings."""

    key: IntArray
    kind: Int8Array
    trade: IntArray
    held: IntArray
    length: IntArray
    cross: IntArray
    cross_at: IntArray

    def events_before(self, column: IntArray, key: IntArray) -> IntArray:
        """How many of day ``column``'s own events come at or before ``key`` (elementwise)."""
        # one sorted array, each day's keys lifted above the previous day's, so one search serves all
        width = self.key.shape[0]
        lift = _KEY_SPAN * np.arange(self.key.shape[1])
        lifted = (np.minimum(self.key, _KEY_SPAN - 1) + lift[None, :]).T.ravel()
        found: IntArray = np.searchsorted(lifted, key + lift[column], side="right") - width * column
        return np.minimum(found, self.length[column])

    @classmethod
    def of(cls, line: Timeline) -> DayTable:
        bounds = line.day_bounds
        days = [_own_events(line, int(bounds[p]), int(bounds[p + 1])) for p in range(line.days)]
        days.append(_own_events(line, 0, 0))
        width = max(1, *(len(d[0]) for d in days))
        crossing = max(1, *(len(d[4]) for d in days))

        def table(index: int, size: int, fill: int) -> IntArray:
            out = np.full((size, len(days)), fill, dtype=np.int64)
            for p, d in enumerate(days):
                out[:len(d[index]), p] = d[index]
            return out

        return cls(key=table(0, width, _LAST), kind=table(1, width, PAD).astype(np.int8), trade=table(2, width, 0),
                   held=table(3, width, -1), length=np.array([len(d[0]) for d in days]),
                   cross=table(4, crossing, -1), cross_at=table(5, crossing, 0))


def _own_events(line: Timeline, first: int, end: int) -> tuple[IntArray, ...]:
    trade = np.arange(first, end)
    same_day = line.close_day[trade] == line.open_day[trade]
    keys = np.concatenate([line.open_ms[trade] * 2 + 1, line.close_ms[trade[same_day]] * 2])
    trades = np.concatenate([trade, trade[same_day]])
    order = np.argsort(keys, kind="stable")
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    opening = order < len(trade)
    # a same-day close's opening is the opening of the same trade, whose original index is the trade's
    held = np.full(len(order), -1, dtype=np.int64)
    held[~opening] = position[np.flatnonzero(same_day)[order[~opening] - len(trade)]]
    return (keys[order], np.where(opening, OPEN, CLOSE), trades[order], held, trade[~same_day],
            position[np.flatnonzero(~same_day)])


@attrs.frozen(eq=False)
class Carry:
    """The trades each attempt holds open across a midnight, (attempts, k) arrays: the timeline
    ``trade``, the attempt's day it closes on and its time there, the day it opened on."""

    trade: IntArray
    close_day: IntArray
    close_ms: IntArray
    open_day: IntArray
    valid: BoolArray

    @classmethod
    def empty(cls, n: int) -> Carry:
        none = np.zeros((n, 0), np.int64)
        return cls(none, none, none, none, np.zeros((n, 0), bool))

    def rows(self, keep: IntArray) -> Carry:
        return Carry(self.trade[keep], self.close_day[keep], self.close_ms[keep], self.open_day[keep],
                     self.valid[keep])


@attrs.frozen(eq=False)
class DayEvents:
    """The day's own events in time order, (events, attempts) arrays, for attempts sorted by how
    many events they have, most first: event ``e`` concerns the first ``width[e]`` attempts only.
    ``held`` points a close at the ``taken`` flag of its opening: a flat index into an
    (events, attempts) array. ``cross``/``cross_at`` (crossing, attempts): the day's own trades
    that close after its midnight, and the event index of their openings."""

    opening: BoolArray
    closing: BoolArray
    trade: IntArray
    held: IntArray
    cross: IntArray
    cross_at: IntArray
    width: IntArray

    @property
    def count(self) -> int:
        return int(self.trade.shape[0])


def columns(table: DayTable, blocks: IntArray) -> IntArray:
    """The table column of each attempt's day (period days ``blocks``, -1 for none)."""
    return np.where(blocks >= 0, blocks, table.length.shape[0] - 1)


def day_events(table: DayTable, column: IntArray) -> DayEvents:
    """Own events of days ``column`` (``columns``), the attempts sorted by event count, most first."""
    n = len(column)
    counts = table.length[column]
    count = int(counts.max()) if n else 0
    kind = table.kind[:count].take(column, axis=1)
    opening, closing = kind == OPEN, kind == CLOSE
    trade = table.trade[:count].take(column, axis=1)
    held = table.held[:count].take(column, axis=1)
    np.maximum(held, 0, out=held)
    np.multiply(held, n, out=held)
    held += np.arange(n)
    width = n - np.searchsorted(counts[::-1], np.arange(count), side="right")
    crossing = table.cross.take(column, axis=1), table.cross_at.take(column, axis=1)
    return DayEvents(opening, closing, trade, held, *crossing, width)


@attrs.frozen(eq=False)
class Landing:
    """Trades carried into the day that close in it, each as (attempt row, trade, the attempt's day
    it opened on), grouped by the own event they close before: ``at[i]`` (``len`` of the day's
    own events for after the last). In time order within a row."""

    at: IntArray
    row: IntArray
    trade: IntArray
    opened: IntArray

    def groups(self) -> dict[int, list[tuple[IntArray, IntArray, IntArray]]]:
        """By own event index, then in rounds of one close per attempt (a row may have two)."""
        out: dict[int, list[tuple[IntArray, IntArray, IntArray]]] = {}
        for at in np.unique(self.at):
            pick = np.flatnonzero(self.at == at)
            rows = self.row[pick]
            rounds = out.setdefault(int(at), [])
            while len(pick):
                first = np.unique(rows, return_index=True)[1]
                rounds.append((rows[first], self.trade[pick[first]], self.opened[pick[first]]))
                keep = np.setdiff1d(np.arange(len(pick)), first)
                pick, rows = pick[keep], rows[keep]
        return out


def landings(table: DayTable, column: IntArray, day: int, carry: Carry) -> Landing:
    """The carried trades closing on ``day``, placed among the day's own events by time: after
    every own event at or before their instant (a close comes before an open at the same instant)."""
    rows, k = np.nonzero(carry.valid & (carry.close_day == day))
    order = np.lexsort((carry.close_ms[rows, k], rows))
    rows, k = rows[order], k[order]
    at = table.events_before(column[rows], 2 * carry.close_ms[rows, k])
    return Landing(at, rows, carry.trade[rows, k], carry.open_day[rows, k])


def next_carry(line: Timeline, events: DayEvents, taken: BoolArray, day: int, carry: Carry) -> Carry:
    """What stays open past the midnight ending ``day``: trades carried in that close later, and
    the day's own trades the attempt took that close on a later day. ``events`` may cover only
    the first attempts (those with events)."""
    n, busy = carry.valid.shape[0], events.cross.shape[1]
    trade = np.full((n, events.cross.shape[0]), -1, np.int64)
    trade[:busy] = events.cross.T
    took = np.zeros(trade.shape, bool)
    took[:busy] = taken.take(events.cross_at.T * busy + np.arange(busy)[:, None]) & (trade[:busy] >= 0)
    trade = np.maximum(trade, 0)
    later = line.close_day[trade] - line.open_day[trade]
    stays = carry.valid & (carry.close_day > day)
    valid = np.concatenate([stays, took], axis=1)
    fields = [np.concatenate(pair, axis=1) for pair in (
        (carry.trade, trade), (carry.close_day, day + later), (carry.close_ms, line.close_ms[trade]),
        (carry.open_day, np.full(trade.shape, day)))]
    # keep the open ones, packed to the left, as wide as the attempt holding the most
    order = np.argsort(~valid, axis=1, kind="stable")[:, :int(valid.sum(axis=1).max()) if n else 0]
    trades, close_day, close_ms, open_day = (np.take_along_axis(f, order, axis=1) for f in fields)
    return Carry(trades, close_day, close_ms, open_day, np.take_along_axis(valid, order, axis=1))
