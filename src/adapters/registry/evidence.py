"""The challenge evidence promotion reads, until a model can be backtested.

A backtest of a trained model over its validation period needs the torch serving adapter (which
loads the weights and predicts in bulk); it is not built yet. Until it is, this implementation of
the port answers that there is no evidence and why, so the challenge gate does not run and
``promote`` refuses every model honestly. The serving change replaces it in the container with one
that runs the backtest and the challenge simulator.
"""

from __future__ import annotations

from application.models.ports import NoEvidence, ValidationEvidence
from domain.models.cards import ModelCard

NO_BACKTEST_REASON = "no validation backtest: the torch serving adapter is not built yet"


class NoValidationBacktest(ValidationEvidence):
    def challenge(self, card: ModelCard, weights: str) -> NoEvidence:
        return NoEvidence(NO_BACKTEST_REASON)
