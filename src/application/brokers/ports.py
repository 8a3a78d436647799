"""The broker port (``BrokerGateway``) and the one exception it raises.

Two kinds of failure, kept apart on purpose:

- a **refusal** is a value: ``place`` and ``close`` answer a ``Rejection`` (domain.execution.fills)
  with a ``RejectCode`` when the broker said no (requote, reject, market closed, invalid volume...).
  Nothing was filled; nothing is pending.
- a **transport failure** is ``BrokerUnavailable``: the broker could not be asked or did not
  answer (terminal gone, no connection, HTTP error, timeout). Any method may raise it. When
  ``outcome_unknown`` is true an order may have reached the broker: resolve it with
  ``find(client_id)`` before sending anything again, so nothing is opened twice.

Reads of a pair the broker does not trade raise ``LookupError``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from application.brokers.values import AccountInfo, BrokerPosition, Deal, Execution, MarketOrder, SymbolSpec, Tick
from domain.execution.fills import Rejection
from domain.market.candles import Pair


class BrokerUnavailable(Exception):
    """The broker could not be asked, or its answer was lost. The message never holds a credential."""

    def __init__(self, message: str, *, outcome_unknown: bool = False) -> None:
        super().__init__(message)
        self.outcome_unknown = outcome_unknown


class BrokerGateway(Protocol):
    """One trading account at a broker: paper, MT5 on Windows, MT5 through the REST bridge, MetaApi."""

    @property
    def name(self) -> str: ...

    def account(self) -> AccountInfo:
        """Balance, equity, margin and currency now."""
        ...

    def symbol(self, pair: Pair) -> SymbolSpec | None:
        """How the broker trades ``pair``, or None when it does not (not mapped, or no such symbol)."""
        ...

    def positions(self) -> tuple[BrokerPosition, ...]:
        """Every open position of the account, this runtime's (with their client id) and any other's."""
        ...

    def place(self, order: MarketOrder) -> Execution | Rejection:
        """Open ``order`` fill-or-kill with its stop and take-profit attached. Idempotent per
        ``order.client_id``: when the broker already holds (or held) that client id's position, the
        answer is its opening execution and nothing new is sent."""
        ...

    def close(self, client_id: str, expected_price: float | None = None,
              deviation_bps: float = 10.0) -> Execution | Rejection:
        """Close all of the position ``client_id`` opened, at market; slippage is measured against
        ``expected_price`` (the exit level; None: the mid at sending). Idempotent: a position already
        closed (by this call, a stop, a person) answers its closing execution; a client id the broker
        never saw answers a Rejection with ``RejectCode.NOT_FOUND``."""
        ...

    def find(self, client_id: str) -> Execution | None:
        """The opening execution of ``client_id``'s position, open or closed since, or None when the
        broker has none: how an order whose answer was lost is resolved before any retry."""
        ...

    def deals(self, since: datetime, until: datetime) -> tuple[Deal, ...]:
        """The account's trade deals with ``since <= at < until``, oldest first (real exits included)."""
        ...

    def tick(self, pair: Pair) -> Tick:
        """The latest bid and ask."""
        ...

    def ticks(self, pair: Pair, since: datetime, until: datetime) -> tuple[Tick, ...]:
        """The bid/ask ticks with ``since <= at < until``, oldest first: for the execution metrics."""
        ...
