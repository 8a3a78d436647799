"""FTMO challenge simulation: a backtest's trades run through the challenge's rules many times
over, with the guard's own rules (domain.risk.rules), side by side as numpy arrays."""

from domain.challenge.attempts import Attempts, bootstrap, historical
from domain.challenge.simulator import Outcome, Outcomes, simulate, two_phases
from domain.challenge.summary import Breach, ChallengeSummary, Results
from domain.challenge.trades import BacktestTrade, Scaling, Timeline, timeline

__all__ = [
    "Attempts",
    "BacktestTrade",
    "Breach",
    "ChallengeSummary",
    "Outcome",
    "Outcomes",
    "Results",
    "Scaling",
    "Timeline",
    "bootstrap",
    "historical",
    "simulate",
    "timeline",
    "two_phases",
]
