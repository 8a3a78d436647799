"""What a broker answers to an order: a fill or a rejection.

Orders are fill-or-kill, so a fill is always for the whole size asked. ``price`` is the price the
position was opened or closed at, spread and slippage included; ``commission`` is charged on top.
``spread_bps`` and ``slippage_bps`` are what the broker reports the fill paid, kept apart so that
the trade outcome records the costs met rather than the ones the guard assumed.
"""

from __future__ import annotations

import math
from datetime import datetime
from enum import StrEnum

import attrs

from domain.market.candles import require_utc


@attrs.frozen
class Fill:
    price: float
    lots: float
    commission: float
    at: datetime
    spread_bps: float = 0.0
    slippage_bps: float = 0.0
    # a live broker's order round trip (None on paper, whose fills take no time)
    latency_ms: float | None = None

    def __attrs_post_init__(self) -> None:
        # a fill feeds the account the FTMO guard reads: refuse any number it could not rest on
        if not (math.isfinite(self.price) and self.price > 0 and math.isfinite(self.lots) and self.lots > 0):
            raise ValueError(f"a fill needs a finite price and lots > 0, got {self.price!r}, {self.lots!r}")
        for name in ("commission", "spread_bps"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"fill {name} must be finite and >= 0, got {value!r}")
        if not math.isfinite(self.slippage_bps):  # negative when a live fill came out better than asked
            raise ValueError(f"fill slippage_bps must be finite, got {self.slippage_bps!r}")
        if self.latency_ms is not None and not (math.isfinite(self.latency_ms) and self.latency_ms >= 0):
            raise ValueError(f"fill latency_ms must be finite and >= 0, got {self.latency_ms!r}")
        require_utc(self.at, "fill at")


class RejectCode(StrEnum):
    """Why a broker refused an order, in words every broker maps its own codes to.

    Only REQUOTE (and PRICE_CHANGED's kin, folded into it) is worth sending again at a fresh price;
    the others stand until something changes (the market opens, the size is fixed, ...)."""

    REJECTED = "rejected"  # the broker said no (MT5 10006) or gave a reason without a better word
    REQUOTE = "requote"  # the price moved past the allowed deviation (MT5 10004, 10020, 10021)
    MARKET_CLOSED = "market_closed"  # MT5 10018
    INVALID_VOLUME = "invalid_volume"  # outside the symbol's limits, the 5-lot cap or its volume step
    INVALID_STOPS = "invalid_stops"  # stop or take-profit on the wrong side, or too close
    NO_MONEY = "no_money"  # not enough free margin
    UNKNOWN_SYMBOL = "unknown_symbol"  # the pair is not mapped to a broker symbol, or the broker has none
    SYMBOL_MISMATCH = "symbol_mismatch"  # the broker's contract size differs from the one the guard sized with
    TRADE_DISABLED = "trade_disabled"  # trading off for the account, the symbol or the terminal
    NOT_FOUND = "not_found"  # a close for a position the broker does not hold and never did
    # the broker could not be asked, or its answer was lost: the order may have reached it, so its
    # outcome is resolved by its client id before anything else (never sent again blind)
    UNANSWERED = "unanswered"


@attrs.frozen
class Rejection:
    """The broker refused the order, or could not be asked: nothing was filled."""

    reason: str
    code: RejectCode = RejectCode.REJECTED

    @property
    def retryable(self) -> bool:
        """Sending the same order again at a fresh price may fill (a requote); nothing else may."""
        return self.code is RejectCode.REQUOTE
