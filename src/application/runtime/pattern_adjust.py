"""The pattern a scan's setup belongs to, and the model's confidence moved towards its history.

The scan names the setup (domain.signals.pattern_key), reads the pattern's wins and outcomes from
the PatternRepository, and moves the confidence towards the historical win rate
(domain.signals.confidence.adjust_for_pattern): a pattern seen fewer than ``min_samples`` times
pulls proportionally less, and no pattern moves it by more than ``max_shift``.

A pattern store that cannot be read leaves the confidence as the model gave it and says why: the
adjustment is a bounded correction towards a win rate, not a safety rule, so going without it is
the same as running with the adjustment switched off. Every loss limit stays with the FTMO guard,
which fails closed on its own inputs; and a store that is down for reads usually cannot record the
signal either, which is then never announced.
"""

from __future__ import annotations

import attrs

from application.stats.ports import PatternRepository
from domain.market.candles import CandleWindow
from domain.signals.confidence import PatternSettings, adjust_for_pattern
from domain.signals.pattern_key import pattern_of
from domain.signals.patterns import PatternKey
from domain.signals.signal import Prediction


@attrs.frozen
class Adjusted:
    confidence: float
    pattern: PatternKey | None = None
    error: str | None = None  # the pattern store could not be read: confidence is the model's


class PatternAdjuster:
    """``settings`` None: the adjustment is switched off (patterns are still named and counted)."""

    def __init__(self, repository: PatternRepository | None, settings: PatternSettings | None) -> None:
        self._repository = repository
        self._settings = settings

    def __call__(self, window: CandleWindow, prediction: Prediction) -> Adjusted:
        pattern = pattern_of(window, prediction)
        if pattern is None or self._repository is None or self._settings is None:
            return Adjusted(prediction.probability, pattern)
        try:
            record = self._repository.get(pattern.pattern_hash)
        except Exception as exc:  # any store failure: no adjustment, never a lost scan (module docstring)
            return Adjusted(prediction.probability, pattern, f"pattern {pattern.pattern_hash} unreadable: "
                                                            f"{type(exc).__name__}: {exc}")
        return Adjusted(adjust_for_pattern(prediction.probability, record, self._settings), pattern)
