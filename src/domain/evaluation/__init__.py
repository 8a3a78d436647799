"""Evaluation: the figures that say whether a strategy or a model is worth running, and the gates
that read them (promotion, challenge, acceptance)."""

from domain.evaluation.equity import EquitySeries
from domain.evaluation.figures import MIN_TRADES, Rate, Stat, wilson_interval
from domain.evaluation.gates import (
    AcceptanceGate,
    ChallengeGate,
    Failed,
    Gates,
    NotRun,
    Passed,
    PromotionGate,
    Verdict,
)
from domain.evaluation.metrics import TradeMetrics, trade_metrics
from domain.evaluation.trades import EvaluatedTrade, sessions_at

__all__ = [
    "MIN_TRADES",
    "AcceptanceGate",
    "ChallengeGate",
    "EquitySeries",
    "EvaluatedTrade",
    "Failed",
    "Gates",
    "NotRun",
    "Passed",
    "PromotionGate",
    "Rate",
    "Stat",
    "TradeMetrics",
    "Verdict",
    "sessions_at",
    "trade_metrics",
    "wilson_interval",
]
