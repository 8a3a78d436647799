"""The challenge simulation use case (seed plan 7.2)."""

from application.challenge.ports import ChallengeReportWriter
from application.challenge.simulate import (
    ChallengeReport,
    ChallengeRequest,
    Mode,
    Period,
    TradeRow,
    simulate_challenges,
)

__all__ = [
    "ChallengeReport",
    "ChallengeReportWriter",
    "ChallengeRequest",
    "Mode",
    "Period",
    "TradeRow",
    "simulate_challenges",
]
