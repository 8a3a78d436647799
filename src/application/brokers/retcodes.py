"""MT5 trade server return codes (MqlTradeResult.retcode), which MetaApi passes on as its
``numericCode``: which mean done, which a refusal (and of what kind), which a lost connection."""

from __future__ import annotations

from domain.execution.fills import RejectCode

DONE = frozenset({10008, 10009, 10010})  # placed, done, done in part (FOK never fills in part)
UNREACHABLE = frozenset({10031, -10})  # no connection with the trade server: the request was not delivered
UNKNOWN = frozenset({10012, -11})  # timed out, or cut off after delivery: resolved by client id before any retry
_REFUSALS = {
    10004: RejectCode.REQUOTE, 10020: RejectCode.REQUOTE, 10021: RejectCode.REQUOTE,
    10018: RejectCode.MARKET_CLOSED,
    10014: RejectCode.INVALID_VOLUME, 10034: RejectCode.INVALID_VOLUME, 10038: RejectCode.INVALID_VOLUME,
    10016: RejectCode.INVALID_STOPS,
    10019: RejectCode.NO_MONEY,
    10017: RejectCode.TRADE_DISABLED, 10026: RejectCode.TRADE_DISABLED, 10027: RejectCode.TRADE_DISABLED,
    10044: RejectCode.TRADE_DISABLED,
    10036: RejectCode.NOT_FOUND,
}


def refusal_code(retcode: int) -> RejectCode:
    return _REFUSALS.get(retcode, RejectCode.REJECTED)
