"""The paper broker behind the full broker port: an in-memory account that fills like the dry-run
(the domain's paper fills at the order's expected price, paying the costs ``FillCosts`` draws and
the instrument's commission) and keeps positions, deals and ticks as a broker would.

It has no market of its own: ``quote`` feeds it mid prices (the runtime's candles, a test), and
its ticks are those mids with the instrument's p90 spread. Its state lives in memory only; the
dry-run's account of record stays the risk book (adapters.brokers.paper).
"""

from __future__ import annotations

from datetime import datetime

from application.brokers.orders import sendable
from application.brokers.ports import BrokerGateway
from application.brokers.values import (
    AccountInfo,
    BrokerPosition,
    Deal,
    DealEntry,
    DealReason,
    Execution,
    MarketOrder,
    SymbolSpec,
    Tick,
)
from application.data.ports import Clock
from domain.execution.fills import RejectCode, Rejection
from domain.execution.instruments import BPS, Instruments, InstrumentSpec, fill_price_paying
from domain.execution.sampling import FillCosts
from domain.market.candles import Pair


class PaperGateway(BrokerGateway):
    def __init__(self, clock: Clock, instruments: Instruments | None = None, costs: FillCosts | None = None,
                 balance: float = 100_000.0, currency: str = "USD", leverage: float = 1.0) -> None:
        self._clock = clock
        self._instruments = instruments or Instruments.defaults()
        self._costs = costs or FillCosts()
        self._balance = balance
        self._currency = currency
        self._leverage = leverage
        self._opened: dict[str, Execution] = {}
        self._closed: dict[str, Execution] = {}
        self._stops: dict[str, tuple[float, float]] = {}
        self._deals: list[Deal] = []
        self._ticks: list[Tick] = []

    @property
    def name(self) -> str:
        return "paper"

    def quote(self, pair: Pair, mid: float) -> Tick:
        """Feed the mid price of ``pair`` now; the tick it makes is what fills and marks use."""
        spec = self._instruments.spec_for(pair)
        half = mid * spec.spread_p90_bps / BPS / 2
        tick = Tick(pair, mid - half, mid + half, self._clock.now())
        self._ticks.append(tick)
        return tick

    def account(self) -> AccountInfo:
        floating = sum(p.profit for p in self.positions())
        held = self._open_positions()
        margin = sum(e.lots * self._spec(e.pair).contract_size * e.price for e in held) / self._leverage
        equity = self._balance + floating
        return AccountInfo(self._balance, equity, margin, equity - margin, self._currency)

    def symbol(self, pair: Pair) -> SymbolSpec | None:
        spec = self._instruments.find(pair)
        if spec is None:
            return None
        return SymbolSpec(pair, pair.symbol, spec.contract_size, spec.min_lots, spec.max_lots, spec.lot_step, 0.01, 2)

    def positions(self) -> tuple[BrokerPosition, ...]:
        return tuple(self._position(e) for e in self._open_positions())

    def place(self, order: MarketOrder) -> Execution | Rejection:
        if (known := self._opened.get(order.client_id)) is not None:
            return known
        ready = sendable(order, self.symbol(order.pair), self._instruments)
        if isinstance(ready, Rejection):
            return ready
        lots, spec, now = ready[1], self._spec(order.pair), self._clock.now()
        paid = self._costs.draw(spec, order.pair, now, order.client_id, "open")
        price = fill_price_paying(order.expected_price, order.direction, True, paid.spread_bps, paid.slippage_bps)
        opened = Execution(order.client_id, order.client_id, order.pair, order.direction, DealEntry.IN, price,
                           lots, spec.commission(price, lots), now, paid.spread_bps, paid.slippage_bps)
        self._opened[order.client_id] = opened
        self._stops[order.client_id] = (order.stop_loss, order.take_profit)
        self._book(opened, DealReason.EXPERT, profit=0.0)
        return opened

    def close(self, client_id: str, expected_price: float | None = None,
              deviation_bps: float = 10.0) -> Execution | Rejection:
        if (done := self._closed.get(client_id)) is not None:
            return done
        opened = self._opened.get(client_id)
        if opened is None:
            return Rejection(f"no position for {client_id}", RejectCode.NOT_FOUND)
        spec = self._spec(opened.pair)
        level = expected_price if expected_price is not None else self._mid(opened.pair)
        now = self._clock.now()
        paid = self._costs.draw(spec, opened.pair, now, client_id, "close")
        price = fill_price_paying(level, opened.direction, False, paid.spread_bps, paid.slippage_bps)
        closed = Execution(client_id, opened.ticket, opened.pair, opened.direction, DealEntry.OUT, price, opened.lots,
                           spec.commission(price, opened.lots), now, paid.spread_bps, paid.slippage_bps)
        self._closed[client_id] = closed
        profit = opened.direction.sign * (price - opened.price) * opened.lots * spec.contract_size
        self._book(closed, DealReason.EXPERT, profit)
        return closed

    def find(self, client_id: str) -> Execution | None:
        return self._opened.get(client_id)

    def deals(self, since: datetime, until: datetime) -> tuple[Deal, ...]:
        return tuple(d for d in self._deals if since <= d.at < until)

    def tick(self, pair: Pair) -> Tick:
        found = [t for t in self._ticks if t.pair == pair]
        if not found:
            raise LookupError(f"no price for {pair} yet: the paper broker has been fed none")
        return found[-1]

    def ticks(self, pair: Pair, since: datetime, until: datetime) -> tuple[Tick, ...]:
        return tuple(t for t in self._ticks if t.pair == pair and since <= t.at < until)

    # --- internals

    def _spec(self, pair: Pair) -> InstrumentSpec:
        return self._instruments.spec_for(pair)

    def _mid(self, pair: Pair) -> float:
        tick = self.tick(pair)
        return (tick.bid + tick.ask) / 2

    def _open_positions(self) -> list[Execution]:
        return [e for client_id, e in self._opened.items() if client_id not in self._closed]

    def _position(self, opened: Execution) -> BrokerPosition:
        stop, target = self._stops[opened.client_id]
        spec = self._spec(opened.pair)
        try:
            mark = self._mid(opened.pair)
        except LookupError:
            mark = opened.price
        profit = opened.direction.sign * (mark - opened.price) * opened.lots * spec.contract_size
        return BrokerPosition(opened.ticket, opened.pair.symbol, opened.pair, opened.client_id, opened.direction,
                              opened.lots, opened.price, opened.at, stop, target, profit)

    def _book(self, execution: Execution, reason: DealReason, profit: float) -> None:
        self._balance += profit - execution.commission
        ticket = str(len(self._deals) + 1)
        self._deals.append(Deal(ticket, execution.ticket, execution.pair.symbol, execution.pair, execution.client_id,
                                execution.direction, execution.entry, execution.lots, execution.price, execution.at,
                                reason, -execution.commission, 0.0, profit))
