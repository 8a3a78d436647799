"""The market-time window a replay scans: by default the last day every pair covers.

A window no candle falls in would replay nothing and still end "done", which reads like a quiet
market; it is refused before anything starts, naming what each pair's candles cover."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

import structlog

from domain.market.candles import Pair
from entrypoints.candle_bootstrap import RuntimeFailure

DEFAULT_REPLAY_SPAN = timedelta(days=1)
Coverage = tuple[datetime, datetime] | None


def replay_window(source: Any, pairs: tuple[Pair, ...], start: datetime | None, until: datetime | None,
                  holder: str) -> tuple[datetime, datetime]:
    """``holder`` names where the candles come from (replay files or the candle store) in errors."""
    coverages: dict[Pair, Coverage] = {pair: source.coverage(pair) for pair in pairs}
    missing = [pair.symbol for pair, cov in coverages.items() if cov is None]
    if missing and (start is None or until is None):
        raise RuntimeFailure(f"no replay candles for {', '.join(missing)} in {holder}: pass --replay PATH with "
                             "<PAIR>.csv[.gz] files, choose --pairs, or fetch candles with `tradeai data download`",
                             usage=True)
    if until is None:
        until = min(cov[1] for cov in coverages.values() if cov is not None)
    if start is None:
        start = until - DEFAULT_REPLAY_SPAN
    lacking = [pair for pair in pairs if not _has_candles(source, pair, start, until)]
    if len(lacking) == len(pairs):
        raise RuntimeFailure(_nothing_to_replay(coverages, start, until, holder), usage=True)
    if lacking:
        structlog.get_logger("runtime").warning(
            "no_candles_in_window", pairs=[p.symbol for p in lacking], start=start.isoformat(),
            until=until.isoformat(), covered=_held(coverages, lacking))
    return start, until


def _has_candles(source: Any, pair: Pair, start: datetime, until: datetime) -> bool:
    """Whether a candle of ``pair`` closes between ``start`` and ``until``."""
    if start > until:
        return False
    last = source.window(pair, until, 1)
    return len(last) > 0 and last.last_close_time >= start


def _nothing_to_replay(coverages: Mapping[Pair, Coverage], start: datetime, until: datetime, holder: str) -> str:
    window = f"{start:%Y-%m-%d %H:%M} to {until:%Y-%m-%d %H:%M} UTC"
    return (f"no candles to replay from {window}{_why(coverages, start, until)}. "
            f"{holder[:1].upper()}{holder[1:]} hold: {_held(coverages, list(coverages))}. "
            "Choose --start and --until where they hold candles, or other --replay files.")


def _why(coverages: Mapping[Pair, Coverage], start: datetime, until: datetime) -> str:
    if start > until:
        return " (the window ends before it starts: without --until it ends at the last minute every pair covers)"
    if any(cov and cov[0] <= start and until <= cov[1] for cov in coverages.values()):
        return " (the window falls in a gap of the candles)"
    return ""


def _held(coverages: Mapping[Pair, Coverage], pairs: list[Pair]) -> str:
    return "; ".join(_span(pair, coverages[pair]) for pair in pairs)


def _span(pair: Pair, coverage: Coverage) -> str:
    if coverage is None:
        return f"{pair.symbol} none"
    first, last = coverage
    return f"{pair.symbol} first candle opens {first:%Y-%m-%d %H:%M}, last closes {last:%Y-%m-%d %H:%M} UTC"
