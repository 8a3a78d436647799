"""Values the broker port speaks in. Times are aware UTC, prices in the quote currency, volumes
in lots, money in the account currency. Every broker answers in these whatever its wire format."""

from __future__ import annotations

import math
from datetime import datetime
from enum import StrEnum

import attrs

from domain.execution.fills import Fill
from domain.execution.instruments import BPS
from domain.market.candles import Direction, Pair, require_utc
from domain.signals.signal import Signal


def _utc(value: datetime) -> datetime:
    return require_utc(value, "at")


def _finite(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{type(instance).__name__}.{attribute.name} must be finite, got {value!r}")


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{type(instance).__name__}.{attribute.name} must be finite and > 0, got {value!r}")


def _optional_positive(instance: object, attribute: attrs.Attribute[float | None], value: float | None) -> None:
    if value is not None:
        _positive(instance, attribute, value)  # type: ignore[arg-type]


class DealEntry(StrEnum):
    IN = "in"  # the deal opened the position
    OUT = "out"  # the deal closed it (whole or part)


class DealReason(StrEnum):
    """Who or what made a deal: the real exit reconciliation records."""

    CLIENT = "client"  # a person, in a terminal (desktop, mobile, web)
    EXPERT = "expert"  # a program: this runtime, or another
    STOP_LOSS = "stop_loss"
    TAKE_PROFIT = "take_profit"
    STOP_OUT = "stop_out"  # the broker closed it for want of margin
    OTHER = "other"


@attrs.frozen
class AccountInfo:
    balance: float = attrs.field(validator=_finite)
    equity: float = attrs.field(validator=_finite)
    margin: float = attrs.field(validator=_finite)
    free_margin: float = attrs.field(validator=_finite)
    currency: str

    def __attrs_post_init__(self) -> None:
        if not self.currency:
            raise ValueError("an account needs its currency")


@attrs.frozen
class SymbolSpec:
    """How the broker trades one pair: its own symbol name, contract size and volume limits."""

    pair: Pair
    symbol: str
    contract_size: float = attrs.field(validator=_positive)
    volume_min: float = attrs.field(validator=_positive)
    volume_max: float = attrs.field(validator=_positive)
    volume_step: float = attrs.field(validator=_positive)
    point: float = attrs.field(validator=_positive)
    digits: int = 2


@attrs.frozen
class Tick:
    pair: Pair
    bid: float = attrs.field(validator=_positive)
    ask: float = attrs.field(validator=_positive)
    at: datetime = attrs.field(converter=_utc)

    def __attrs_post_init__(self) -> None:
        if self.ask < self.bid:
            raise ValueError(f"{self.pair} tick at {self.at:%Y-%m-%d %H:%M:%S}: ask {self.ask} below bid {self.bid}")

    @property
    def spread_bps(self) -> float:
        return (self.ask - self.bid) / ((self.ask + self.bid) / 2) * BPS


@attrs.frozen
class MarketOrder:
    """A fill-or-kill market order. ``client_id`` (the signal id) makes it idempotent: a broker
    asked twice for one client id opens one position. ``expected_price`` is the price the order
    was decided at (the signal's entry): the paper broker fills there, a live one measures its
    slippage against it. ``deviation_bps`` is the worst price move accepted before a requote."""

    client_id: str
    pair: Pair
    direction: Direction
    lots: float = attrs.field(validator=_positive)
    stop_loss: float = attrs.field(validator=_positive)
    take_profit: float = attrs.field(validator=_positive)
    expected_price: float = attrs.field(validator=_positive)
    deviation_bps: float = 10.0

    def __attrs_post_init__(self) -> None:
        if not self.client_id:
            raise ValueError("an order needs a client id (the signal id)")
        if not (math.isfinite(self.deviation_bps) and self.deviation_bps >= 0):
            raise ValueError(f"{self.client_id}: deviation_bps must be finite and >= 0, got {self.deviation_bps!r}")
        sign = self.direction.sign
        if not sign * self.stop_loss < sign * self.expected_price < sign * self.take_profit:
            raise ValueError(f"{self.client_id}: a {self.direction.value} order needs its stop {self.stop_loss} and "
                             f"take-profit {self.take_profit} on either side of {self.expected_price}")

    @classmethod
    def for_signal(cls, signal: Signal, lots: float, deviation_bps: float = 10.0) -> MarketOrder:
        return cls(signal.signal_id, signal.pair, signal.direction, lots, signal.stop_loss, signal.take_profit,
                   signal.entry, deviation_bps)

    @property
    def buying(self) -> bool:
        return self.direction is Direction.LONG


@attrs.frozen
class Execution:
    """A fill the broker made: the opening (``entry`` IN) or the closing (OUT) of the position
    ``ticket`` that ``client_id`` names. ``direction`` is the position's, not the deal's side.
    ``commission`` is a cost (>= 0). ``spread_bps`` and ``slippage_bps`` are None when the broker
    did not say (an execution found again in the history carries no quote)."""

    client_id: str
    ticket: str
    pair: Pair
    direction: Direction
    entry: DealEntry
    price: float = attrs.field(validator=_positive)
    lots: float = attrs.field(validator=_positive)
    commission: float
    at: datetime = attrs.field(converter=_utc)
    spread_bps: float | None = None
    slippage_bps: float | None = None

    def __attrs_post_init__(self) -> None:
        if not (math.isfinite(self.commission) and self.commission >= 0):
            raise ValueError(f"{self.client_id}: commission is a cost and must be >= 0, got {self.commission!r}")

    def fill(self) -> Fill:
        """The domain's fill, to book into the account (unknown costs count as none)."""
        return Fill(self.price, self.lots, self.commission, self.at, self.spread_bps or 0.0, self.slippage_bps or 0.0)


@attrs.frozen
class BrokerPosition:
    """An open position as the broker holds it. ``client_id`` is None for a position this runtime
    did not open (another program, or a person); ``pair`` is None for a symbol not mapped to one."""

    ticket: str
    symbol: str
    pair: Pair | None
    client_id: str | None
    direction: Direction
    lots: float = attrs.field(validator=_positive)
    open_price: float = attrs.field(validator=_positive)
    opened_at: datetime = attrs.field(converter=_utc)
    stop_loss: float | None = attrs.field(default=None, validator=_optional_positive)
    take_profit: float | None = attrs.field(default=None, validator=_optional_positive)
    profit: float = 0.0
    swap: float = 0.0

    def as_opening(self, client_id: str) -> Execution | None:
        """The position standing for its opening execution while its deal has not reached the
        history yet (commission unknown); None for a symbol not mapped to a pair."""
        if self.pair is None:
            return None
        return Execution(client_id, self.ticket, self.pair, self.direction, DealEntry.IN, self.open_price, self.lots,
                         0.0, self.opened_at)


@attrs.frozen
class Deal:
    """One deal of the account's history. ``profit`` (signed, money) is realised on OUT deals;
    ``commission`` and ``swap`` are signed as the broker books them (negative: a cost)."""

    ticket: str
    position_ticket: str
    symbol: str
    pair: Pair | None
    client_id: str | None
    direction: Direction
    entry: DealEntry
    lots: float = attrs.field(validator=_positive)
    price: float = attrs.field(validator=_positive)
    at: datetime = attrs.field(converter=_utc)
    reason: DealReason = DealReason.OTHER
    commission: float = 0.0
    swap: float = 0.0
    profit: float = 0.0
