"""Recompute the execution metrics from quote files: spreads per pair x session, written as a new
dated metrics file. Every file is read and checked before anything is written, so one bad file
leaves the previous metrics (and the latest-link) as they were."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import attrs
import numpy as np
import numpy.typing as npt

from application.execution.ports import (
    ExecutionMetrics,
    MetricsStore,
    QuoteBatch,
    QuoteFileError,
    QuoteFileReader,
    SourceSummary,
)
from domain.execution.costs import OFF_HOURS, ExecutionModel, SessionSamples
from domain.execution.instruments import BPS, Instruments
from domain.market.sessions import session_masks

# Fills (expected vs executed price) come from the risk book once live or micro-lot trades exist;
# until then every slippage figure is the configured default, and the file says so.
SLIPPAGE_NOTE = ("slippage: no fills measured yet (risk-book fills arrive with live or micro-lot trades); "
                 "every slippage figure is the configured default")


def spread_bps(bid: npt.NDArray[np.float64], ask: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Quoted spread in basis points of the mid price."""
    result: npt.NDArray[np.float64] = (ask - bid) / ((ask + bid) / 2) * BPS
    return result


def session_samples(time_ms: npt.NDArray[np.int64], values: npt.NDArray[np.float64]) -> SessionSamples:
    """Split one pair's samples by session (DST-aware, the features' definition); off-hours are
    the samples in no session."""
    masks = session_masks(time_ms)
    in_any = np.zeros(len(time_ms), dtype=bool)
    for mask in masks.values():
        in_any |= mask
    by_session = {name: values[mask] for name, mask in masks.items()}
    by_session[OFF_HOURS] = values[~in_any]
    return SessionSamples(values, by_session)


@attrs.frozen
class LiveFill:
    """A live closing fill of the risk book: the slippage the broker's price paid against the level."""

    pair: str
    time_ms: int
    slippage_bps: float


@attrs.frozen
class MeasureResult:
    path: Path
    metrics: ExecutionMetrics


def _ms_to_utc(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


def _summary(batch: QuoteBatch, bases: list[str]) -> SourceSummary:
    if batch.rows == 0:
        return SourceSummary(batch.path, batch.kind, batch.sha256, 0, (), note=batch.note)
    used = sorted({bases[i] for i in np.unique(batch.symbol_index)})
    return SourceSummary(batch.path, batch.kind, batch.sha256, batch.rows, tuple(used),
                         _ms_to_utc(int(batch.time_ms.min())), _ms_to_utc(int(batch.time_ms.max())), batch.note)


def measure_execution(paths: Sequence[str], reader: QuoteFileReader, store: MetricsStore, *, now: datetime,
                      min_samples: int, defaults: Instruments, fills: Sequence[LiveFill] = ()) -> MeasureResult:
    """``fills``: the risk book's live fills (`exec measure --risk-book`), measured as the slippage."""
    batches = [reader.read(p) for p in paths]  # every file checked before anything is written
    times: dict[str, list[npt.NDArray[np.int64]]] = {}
    spreads: dict[str, list[npt.NDArray[np.float64]]] = {}
    summaries = []
    for batch in batches:
        bases = [defaults.base_of(s) for s in batch.symbols]
        summaries.append(_summary(batch, bases))
        if batch.rows == 0:
            continue
        spread = spread_bps(batch.bid, batch.ask)
        for index, base in enumerate(bases):
            rows = batch.symbol_index == index
            times.setdefault(base, []).append(batch.time_ms[rows])
            spreads.setdefault(base, []).append(spread[rows])
    if not spreads:
        raise QuoteFileError(", ".join(paths) or "(no files)", None, "no best bid/ask quotes in these sources")
    samples = {base: session_samples(np.concatenate(times[base]), np.concatenate(spreads[base])) for base in spreads}
    slippage = _slippage_samples(fills, defaults)
    model = ExecutionModel.from_samples(samples, slippage, min_samples, defaults)
    note = f"slippage: measured from {len(fills)} live risk-book fills" if fills else SLIPPAGE_NOTE
    metrics = ExecutionMetrics(model, now, min_samples, tuple(summaries),
                               {base: len(s.pooled) for base, s in sorted(samples.items())}, (note,))
    return MeasureResult(store.save(metrics, now.astimezone(UTC).date()), metrics)


def _slippage_samples(fills: Sequence[LiveFill], defaults: Instruments) -> dict[str, SessionSamples]:
    by_base: dict[str, list[LiveFill]] = {}
    for fill in fills:
        by_base.setdefault(defaults.base_of(fill.pair), []).append(fill)
    return {base: session_samples(np.array([f.time_ms for f in group], dtype=np.int64),
                                  np.array([f.slippage_bps for f in group], dtype=np.float64))
            for base, group in by_base.items()}
