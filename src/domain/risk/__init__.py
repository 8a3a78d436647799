"""The FTMO risk book: the account as FTMO measures it, the rulesets and their floors, position
sizing and the guard that says whether a trade may be taken."""

from domain.risk.account import (
    PRAGUE,
    Account,
    DayResult,
    Position,
    accrue_swap,
    close_position,
    mark_to_market,
    open_position,
    roll_to,
    trading_day,
)
from domain.risk.rules import (
    BestDay,
    Floors,
    InternalLimits,
    Progress,
    RiskSettings,
    Ruleset,
    RulesetName,
    best_day,
    crossed_floors,
    floors,
    progress,
)
from domain.risk.sizing import Sizing, SizingSettings, largest_lots, open_risk, size_position
from domain.risk.trade_check import AccountStatus, RiskCheck, TradeCandidate, account_status, check_trade

__all__ = [
    "PRAGUE",
    "Account",
    "AccountStatus",
    "BestDay",
    "DayResult",
    "Floors",
    "InternalLimits",
    "Position",
    "Progress",
    "RiskCheck",
    "RiskSettings",
    "Ruleset",
    "RulesetName",
    "Sizing",
    "SizingSettings",
    "TradeCandidate",
    "account_status",
    "accrue_swap",
    "best_day",
    "check_trade",
    "close_position",
    "crossed_floors",
    "floors",
    "largest_lots",
    "mark_to_market",
    "open_position",
    "open_risk",
    "progress",
    "roll_to",
    "size_position",
    "trading_day",
]
