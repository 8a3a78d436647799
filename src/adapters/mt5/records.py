"""Reading the terminal's answers: its deal kinds and reasons, and its clock (the trade server's
wall time written as if it were UTC)."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from typing import Any

import attrs

from application.brokers.symbols import SymbolMap, client_id_of
from application.brokers.values import BrokerPosition, Deal, DealEntry, DealReason
from domain.market.candles import Direction, Pair

COMMENT_LIMIT = 31  # characters MT5 keeps of an order comment

# ENUM_DEAL_REASON: client, mobile, web, expert, sl, tp, so
_REASONS = {0: DealReason.CLIENT, 1: DealReason.CLIENT, 2: DealReason.CLIENT, 3: DealReason.EXPERT,
            4: DealReason.STOP_LOSS, 5: DealReason.TAKE_PROFIT, 6: DealReason.STOP_OUT}
IPC_FAILURE = -10000  # last_error codes at or below this: the package lost the terminal


def deal_reason(code: int) -> DealReason:
    return _REASONS.get(code, DealReason.OTHER)


def deal_side(terminal: Any, deal: Any) -> tuple[DealEntry, Direction] | None:
    """The entry and the position's direction of a trade deal; None for balance, commission and
    other non-trade deals."""
    if deal.type not in (terminal.DEAL_TYPE_BUY, terminal.DEAL_TYPE_SELL):
        return None
    entry = DealEntry.IN if deal.entry == terminal.DEAL_ENTRY_IN else DealEntry.OUT
    buy = deal.type == terminal.DEAL_TYPE_BUY
    return entry, Direction.LONG if buy == (entry is DealEntry.IN) else Direction.SHORT


@attrs.frozen
class ServerClock:
    """The terminal writes times as the trade server's wall clock in Unix form (FTMO: about UTC+2/+3)."""

    zone: tzinfo = UTC

    def to_server(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone).replace(tzinfo=UTC)

    def from_server_ms(self, ms: int) -> datetime:
        wall = datetime.fromtimestamp(ms / 1000, UTC).replace(tzinfo=self.zone)
        return wall.astimezone(UTC)


def position(terminal: Any, raw: Any, symbols: SymbolMap, magic: int, clock: ServerClock) -> BrokerPosition:
    ours = raw.magic == magic and bool(raw.comment)
    direction = Direction.LONG if raw.type == terminal.POSITION_TYPE_BUY else Direction.SHORT
    return BrokerPosition(str(raw.ticket), raw.symbol, symbols.pair(raw.symbol),
                          client_id_of(raw.comment, COMMENT_LIMIT) if ours else None, direction, raw.volume,
                          raw.price_open, clock.from_server_ms(raw.time_msc), raw.sl or None, raw.tp or None,
                          raw.profit, raw.swap)


def deal(raw: Any, side: tuple[DealEntry, Direction], pair: Pair | None, client_id: str | None,
         clock: ServerClock) -> Deal:
    return Deal(str(raw.ticket), str(raw.position_id), raw.symbol, pair, client_id, side[1], side[0], raw.volume,
                raw.price, clock.from_server_ms(raw.time_msc), deal_reason(raw.reason), raw.commission + raw.fee,
                raw.swap, raw.profit)


def cost(raw: Any) -> float:
    """A deal's commission and fee as a cost (MT5 books them negative); a rebate counts as none."""
    return max(0.0, -float(raw.commission + raw.fee))
