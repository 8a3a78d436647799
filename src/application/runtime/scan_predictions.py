"""The scan's windows and predictions, computed before its pairs are decided, for a predictor that
answers a whole scan at once (application.models.ports.ScanPredictor: the served networks run once
on the stacked windows instead of once per pair).

Only the windows the scan would have asked ``predict`` about are predicted: a pair with no candles,
stale candles or a candle that is not a price is decided as before, from its window alone. When the
scan-level call raises, every pair is asked alone, so one bad window fails only its own pair.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

import attrs

from application.data.ports import CandleSource
from application.models.ports import Predictor, ScanPredictor
from domain.market.candles import CandleWindow, Pair
from domain.signals.signal import Prediction


@attrs.frozen
class Prefetched:
    window: CandleWindow
    prediction: Prediction | None = None
    answered: bool = False  # False: the scan-level call gave nothing for this pair: ask ``predict``


def predictable(window: CandleWindow, now: datetime, max_staleness: timedelta) -> bool:
    """What the scan checks before it asks ``predict`` (ScanMarket._predict, in the same order)."""
    return len(window) > 0 and now - window.last_close_time <= max_staleness and not window.problems()


class ScanPrefetch:
    """``timer`` as the scan's: the seconds spent here are part of each prefetched pair's latency."""

    def __init__(self, source: CandleSource, predictor: ScanPredictor, length: Callable[[], int],
                 max_staleness: timedelta, timer: Callable[[], float]) -> None:
        self._source = source
        self._predictor = predictor
        self._length = length
        self._max_staleness = max_staleness
        self._timer = timer

    @classmethod
    def offered_by(cls, predictor: Predictor, source: CandleSource, length: Callable[[], int],
                   max_staleness: timedelta, timer: Callable[[], float]) -> ScanPrefetch | None:
        """None for a predictor that answers one window at a time: the scan then asks it per pair."""
        if not isinstance(predictor, ScanPredictor):
            return None
        return cls(source, predictor, length, max_staleness, timer)

    def __call__(self, pairs: Iterable[Pair], now: datetime) -> tuple[dict[Pair, Prefetched], float]:
        started = self._timer()
        length = self._length()
        windows = {pair: self._source.window(pair, now, length) for pair in pairs}
        asked = {pair: w for pair, w in windows.items() if predictable(w, now, self._max_staleness)}
        answers = self._answers(asked)
        ready = {pair: Prefetched(w, answers.get(pair), pair in answers) for pair, w in windows.items()}
        return ready, self._timer() - started

    def _answers(self, windows: dict[Pair, CandleWindow]) -> dict[Pair, Prediction | None]:
        if not windows:
            return {}
        try:
            return dict(self._predictor.predict_scan(windows))
        except Exception:  # each pair is then asked alone and fails, or not, exactly as it would have
            return {}
