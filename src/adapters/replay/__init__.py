"""In-memory candles: a CandleStore for replays of files and a CandleSource over fixed columns."""

from adapters.replay.memory import ArrayCandleSource, MemoryCandleStore

__all__ = ["ArrayCandleSource", "MemoryCandleStore"]
