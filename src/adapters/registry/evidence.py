"""The challenge evidence of a registry built without a backtest (the registry container alone):
there is none, so the challenge gate does not run and ``promote`` refuses, saying why. The
application's root container wires in the real one (entrypoints.validation_backtest).
"""

from __future__ import annotations

from application.models.ports import NoEvidence, ValidationEvidence
from domain.models.cards import ModelCard

NO_BACKTEST_REASON = "no validation backtest is wired into this registry"


class NoValidationBacktest(ValidationEvidence):
    def challenge(self, card: ModelCard, weights: str) -> NoEvidence:
        return NoEvidence(NO_BACKTEST_REASON)
