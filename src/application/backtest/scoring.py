"""The backtest's bulk scoring: every bar of every pair's series scored by the predictor. It is the
part of a backtest that splits without changing the answer: a bar's score reads the ``lookback``
bars ending at it (the BulkPredictor contract), while the account that follows is one sequence
across pairs and stays in one process (application.backtest.engine).

``InProcessScoring`` scores the engine's series here. ``PieceScoring`` splits them into pieces (a
pair, or a pair's period of ``piece``) run through a TaskRunner: each task is handed where the
candles are (a ``SeriesReader``: file paths, sent once per worker) and the piece's bounds, reads
the pair's candles itself, and returns the piece's scores with their open times, which must be
exactly the engine's bars or the backtest stops.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Protocol

import attrs
import numpy as np

from application.backtest.ports import BulkPredictions, BulkPredictor
from application.tasks import TaskRunner
from domain.market.candles import FloatArray, IntArray, Pair
from domain.market.quality import Ohlcv


class BulkScoring(Protocol):
    def score(self, predictor: BulkPredictor, series: Mapping[Pair, Ohlcv], since_ms: int,
              until_ms: int) -> dict[Pair, BulkPredictions]:
        """``series``: each pair's bars with open time in [since_ms, until_ms), as the engine holds them."""
        ...


class InProcessScoring(BulkScoring):
    def score(self, predictor: BulkPredictor, series: Mapping[Pair, Ohlcv], since_ms: int,
              until_ms: int) -> dict[Pair, BulkPredictions]:
        return {p: predictor.predict_many(p, o) for p, o in series.items()}


class SeriesReader(Protocol):
    def read(self, pair: Pair) -> Ohlcv:
        """``pair``'s candles from where they are stored (the same candles the engine was given)."""
        ...


class ScoringMismatch(RuntimeError):
    """A worker read other bars than the engine holds: its files differ from the ones loaded here."""


@attrs.frozen
class Piece:
    pair: Pair
    since_ms: int  # the engine's window
    until_ms: int
    first_ms: int  # this piece's bars: open time in [first_ms, last_ms)
    last_ms: int


@attrs.frozen(eq=False)
class ScoredPiece:
    open_time_ms: IntArray
    direction: np.ndarray
    probability: FloatArray
    model: str
    horizon_minutes: int


@attrs.frozen(eq=False)
class _Scorer:
    """What every piece reads: sent to each worker once."""

    predictor: BulkPredictor
    reader: SeriesReader


def score_piece(scorer: _Scorer, piece: Piece) -> ScoredPiece:
    """The piece's bars scored on a series that starts ``lookback - 1`` bars before it (or at the
    window's start), so each bar reads the very window it reads in the whole series."""
    candles = between(scorer.reader.read(piece.pair), piece.since_ms, piece.until_ms)
    times = candles.open_time_ms
    lo, hi = (int(i) for i in np.searchsorted(times, [piece.first_ms, piece.last_ms], side="left"))
    warm = max(0, lo - (scorer.predictor.lookback - 1))
    bulk = scorer.predictor.predict_many(piece.pair, candles.take(slice(warm, hi)))
    cut = lo - warm
    return ScoredPiece(times[lo:hi].copy(), bulk.direction[cut:].copy(), bulk.probability[cut:].copy(), bulk.model,
                       bulk.horizon_minutes)


class PieceScoring(BulkScoring):
    """``piece``: the period each task scores (None: a pair's whole window per task)."""

    def __init__(self, runner: TaskRunner, reader: SeriesReader, piece: timedelta | None = None) -> None:
        if piece is not None and piece <= timedelta(0):
            raise ValueError(f"piece must be positive, got {piece}")
        self._runner, self._reader = runner, reader
        self._piece_ms = int(piece.total_seconds() * 1000) if piece is not None else None

    def score(self, predictor: BulkPredictor, series: Mapping[Pair, Ohlcv], since_ms: int,
              until_ms: int) -> dict[Pair, BulkPredictions]:
        step = self._piece_ms or max(1, until_ms - since_ms)
        pieces = [Piece(pair, since_ms, until_ms, lo, min(lo + step, until_ms))
                  for pair in series for lo in range(since_ms, until_ms, step)]
        scored: dict[Pair, list[ScoredPiece]] = {pair: [] for pair in series}
        for piece, part in zip(pieces, self._runner.map(score_piece, _Scorer(predictor, self._reader), pieces),
                               strict=True):
            scored[piece.pair].append(part)
        return {pair: _joined(pair, series[pair], scored[pair], predictor) for pair in series}


def _joined(pair: Pair, bars: Ohlcv, parts: list[ScoredPiece], predictor: BulkPredictor) -> BulkPredictions:
    if not parts:  # an empty window: no piece
        return predictor.predict_many(pair, bars)
    times = np.concatenate([p.open_time_ms for p in parts])
    if not np.array_equal(times, bars.open_time_ms):
        raise ScoringMismatch(f"{pair}: the workers read {len(times)} bars, the backtest holds {len(bars)} "
                              "(the candle files they read differ from the ones loaded here)")
    return BulkPredictions(np.concatenate([p.direction for p in parts]), np.concatenate([p.probability for p in parts]),
                           parts[0].model, parts[0].horizon_minutes)


def between(ohlcv: Ohlcv, since_ms: int, until_ms: int) -> Ohlcv:
    """The bars with open time in [since_ms, until_ms)."""
    lo, hi = np.searchsorted(ohlcv.open_time_ms, [since_ms, until_ms], side="left")
    return ohlcv.take(slice(int(lo), int(hi)))
