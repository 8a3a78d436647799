"""The broker port over the MetaTrader5 package: market orders fill-or-kill with stop and
take-profit attached, the runtime's magic number, and the signal id as the order comment (as a
hash when it does not fit in MT5's 31 characters), by which an order is found again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from adapters.mt5 import records
from adapters.mt5.records import COMMENT_LIMIT, IPC_FAILURE, ServerClock, deal_side
from application.brokers.orders import LiveSetup, deviation_points, paid_costs, sendable
from application.brokers.ports import BrokerGateway, BrokerUnavailable
from application.brokers.retcodes import DONE, UNKNOWN, UNREACHABLE, refusal_code
from application.brokers.symbols import client_id_of, client_tag
from application.brokers.values import (
    AccountInfo,
    BrokerPosition,
    Deal,
    DealEntry,
    Execution,
    MarketOrder,
    SymbolSpec,
    Tick,
)
from domain.execution.fills import RejectCode, Rejection
from domain.market.candles import Direction, Pair


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class Mt5Gateway(BrokerGateway):
    def __init__(self, terminal: Any, *, setup: LiveSetup | None = None, clock: ServerClock | None = None,
                 now: Callable[[], datetime] = _wall_clock) -> None:
        """``terminal`` is the MetaTrader5 module (terminal.load_metatrader5), initialised and logged in."""
        self._mt5 = terminal
        setup = setup or LiveSetup()
        self._symbols, self._instruments, self._magic = setup.symbols, setup.instruments, setup.magic
        self._clock = clock or ServerClock()
        self._lookback = setup.lookback
        self._now = now
        # executions are facts: one answered here is answered again as it was, quote included
        self._done: dict[tuple[str, DealEntry], Execution] = {}

    @property
    def name(self) -> str:
        return "mt5"

    def account(self) -> AccountInfo:
        info = self._read(self._mt5.account_info(), "account_info")
        return AccountInfo(info.balance, info.equity, info.margin, info.margin_free, info.currency)

    def symbol(self, pair: Pair) -> SymbolSpec | None:
        name = self._symbols.symbol(pair)
        info = None if name is None else self._maybe(self._mt5.symbol_info(name), "symbol_info")
        if name is None or info is None:
            return None
        if not info.visible:
            self._mt5.symbol_select(name, True)
        return SymbolSpec(pair, name, info.trade_contract_size, info.volume_min, info.volume_max, info.volume_step,
                          info.point, info.digits)

    def positions(self) -> tuple[BrokerPosition, ...]:
        return tuple(self._position(p) for p in self._rows(self._mt5.positions_get(), "positions_get"))

    def place(self, order: MarketOrder) -> Execution | Rejection:
        if (known := self._done.get((order.client_id, DealEntry.IN)) or self.find(order.client_id)) is not None:
            return known
        ready = sendable(order, self.symbol(order.pair), self._instruments)
        if isinstance(ready, Rejection):
            return ready
        spec, lots = ready
        quote = self._quote(spec.symbol)
        price = quote.ask if order.buying else quote.bid
        request = self._request(spec, order.client_id, lots, order.buying, price, order.deviation_bps)
        request |= {"sl": round(order.stop_loss, spec.digits), "tp": round(order.take_profit, spec.digits)}
        result = self._send(request, order.client_id)
        if isinstance(result, Rejection):
            return result
        return self._executed(result, quote, order.client_id, order.pair, order.direction, DealEntry.IN,
                              order.expected_price)

    def close(self, client_id: str, expected_price: float | None = None,
              deviation_bps: float = 10.0) -> Execution | Rejection:
        if (done := self._done.get((client_id, DealEntry.OUT))) is not None:
            return done
        held = self._held(client_tag(client_id, COMMENT_LIMIT))
        if held is None:
            return self._closing(client_id) or Rejection(f"no position for {client_id}", RejectCode.NOT_FOUND)
        pair = self._symbols.pair(held.symbol)
        spec = None if pair is None else self.symbol(pair)
        if pair is None or spec is None:
            return Rejection(f"{client_id}: {held.symbol} is not a mapped symbol", RejectCode.UNKNOWN_SYMBOL)
        direction = Direction.LONG if held.type == self._mt5.POSITION_TYPE_BUY else Direction.SHORT
        buying = direction is Direction.SHORT
        quote = self._quote(spec.symbol)
        price = quote.ask if buying else quote.bid
        request = self._request(spec, client_id, held.volume, buying, price, deviation_bps) | {"position": held.ticket}
        result = self._send(request, client_id)
        if isinstance(result, Rejection):
            return result
        return self._executed(result, quote, client_id, pair, direction, DealEntry.OUT,
                              expected_price or (quote.bid + quote.ask) / 2)

    def find(self, client_id: str) -> Execution | None:
        tag = client_tag(client_id, COMMENT_LIMIT)
        held = self._held(tag)
        opening = self._opening(tag, held)
        if opening is not None:
            return self._execution(client_id, opening, [opening])
        if held is None:
            return None
        return self._position(held).as_opening(client_id)  # its deal has not reached the history yet

    def deals(self, since: datetime, until: datetime) -> tuple[Deal, ...]:
        rows = self._rows(self._mt5.history_deals_get(self._clock.to_server(since), self._clock.to_server(until)),
                          "history_deals_get")
        tags = {d.position_id: d.comment for d in rows if d.entry == self._mt5.DEAL_ENTRY_IN and d.magic == self._magic}
        found = [d for d in (self._deal(row, tags) for row in rows) if d is not None and since <= d.at < until]
        return tuple(sorted(found, key=lambda d: (d.at, d.ticket)))

    def tick(self, pair: Pair) -> Tick:
        name = self._mapped(pair)
        raw = self._quote(name)
        return Tick(pair, raw.bid, raw.ask, self._clock.from_server_ms(raw.time_msc))

    def ticks(self, pair: Pair, since: datetime, until: datetime) -> tuple[Tick, ...]:
        name = self._mapped(pair)
        rows = self._read(self._mt5.copy_ticks_range(name, self._clock.to_server(since), self._clock.to_server(until),
                                                     self._mt5.COPY_TICKS_INFO), "copy_ticks_range")
        found = (Tick(pair, float(r["bid"]), float(r["ask"]), self._clock.from_server_ms(int(r["time_msc"])))
                 for r in rows if r["bid"] > 0 and r["ask"] >= r["bid"])
        return tuple(t for t in found if since <= t.at < until)

    # --- orders

    def _request(self, spec: SymbolSpec, client_id: str, lots: float, buying: bool, price: float,
                 deviation_bps: float) -> dict[str, Any]:
        mt5 = self._mt5
        return {"action": mt5.TRADE_ACTION_DEAL, "symbol": spec.symbol, "volume": lots,
                "type": mt5.ORDER_TYPE_BUY if buying else mt5.ORDER_TYPE_SELL, "price": price,
                "deviation": deviation_points(price, deviation_bps, spec), "magic": self._magic,
                "comment": client_tag(client_id, COMMENT_LIMIT), "type_time": mt5.ORDER_TIME_GTC,
                "type_filling": mt5.ORDER_FILLING_FOK}

    def _send(self, request: dict[str, Any], client_id: str) -> Any:
        result = self._mt5.order_send(request)
        if result is None:  # the request may have left before the terminal was lost
            raise BrokerUnavailable(f"MT5 gave no answer to {client_id}'s order: {self._mt5.last_error()}",
                                    outcome_unknown=True)
        if result.retcode in DONE:
            return result
        if result.retcode in UNREACHABLE | UNKNOWN:
            raise BrokerUnavailable(f"MT5 could not trade {client_id}: retcode {result.retcode} ({result.comment})",
                                    outcome_unknown=result.retcode in UNKNOWN)
        code = refusal_code(result.retcode)
        return Rejection(f"MT5 refused {client_id}: {code.value}, retcode {result.retcode} ({result.comment})", code)

    def _executed(self, result: Any, quote: Any, client_id: str, pair: Pair, direction: Direction,
                  entry: DealEntry, expected: float) -> Execution:
        try:  # the order is done: a history that lags or a terminal lost now must not lose the fill
            deal = next(iter(self._rows(self._mt5.history_deals_get(ticket=result.deal), "history_deals_get")), None)
        except BrokerUnavailable:
            deal = None
        bid, ask = (result.bid, result.ask) if result.bid > 0 and result.ask > 0 else (quote.bid, quote.ask)
        buying = (direction is Direction.LONG) == (entry is DealEntry.IN)
        spread, slippage = paid_costs(result.price, expected, bid, ask, buying)
        at = self._clock.from_server_ms(deal.time_msc if deal else quote.time_msc)
        ticket = str(deal.position_id if deal else result.order)
        commission = records.cost(deal) if deal else 0.0
        done = self._done[(client_id, entry)] = Execution(
            client_id, ticket, pair, direction, entry, result.price, result.volume, commission, at, spread, slippage)
        return done

    # --- reading the account

    def _held(self, tag: str) -> Any:
        rows = self._rows(self._mt5.positions_get(), "positions_get")
        return next((p for p in rows if p.magic == self._magic and p.comment == tag), None)

    def _opening(self, tag: str, held: Any = None) -> Any:
        """The IN deal carrying ``tag``: from its open position's deals (``held``), else the recent history."""
        if held is not None:
            rows = self._rows(self._mt5.history_deals_get(position=held.ticket), "history_deals_get")
        else:
            now = self._now()
            rows = self._rows(self._mt5.history_deals_get(self._clock.to_server(now - self._lookback),
                                                          self._clock.to_server(now + timedelta(days=1))),
                              "history_deals_get")
        return next((d for d in rows if d.entry == self._mt5.DEAL_ENTRY_IN and d.magic == self._magic
                     and d.comment == tag), None)

    def _closing(self, client_id: str) -> Execution | None:
        opening = self._opening(client_tag(client_id, COMMENT_LIMIT))
        if opening is None:
            return None
        rows = self._rows(self._mt5.history_deals_get(position=opening.position_id), "history_deals_get")
        outs = [d for d in rows if d.entry != self._mt5.DEAL_ENTRY_IN and deal_side(self._mt5, d) is not None]
        return self._execution(client_id, opening, outs) if outs else None

    def _execution(self, client_id: str, opening: Any, deals: list[Any]) -> Execution | None:
        """One execution from ``deals`` of ``opening``'s position (a close may come in parts)."""
        side = deal_side(self._mt5, deals[0])
        pair = self._symbols.pair(opening.symbol)
        if side is None or pair is None:
            return None
        lots = sum(d.volume for d in deals)
        price = sum(d.price * d.volume for d in deals) / lots
        at = self._clock.from_server_ms(max(d.time_msc for d in deals))
        return Execution(client_id, str(opening.position_id), pair, side[1], side[0], price, round(lots, 8),
                         sum(records.cost(d) for d in deals), at)

    def _position(self, raw: Any) -> BrokerPosition:
        return records.position(self._mt5, raw, self._symbols, self._magic, self._clock)

    def _deal(self, raw: Any, tags: dict[int, str]) -> Deal | None:
        side = deal_side(self._mt5, raw)
        if side is None:
            return None
        tag = tags.get(raw.position_id)
        if tag is None and raw.magic == self._magic:  # opened before the window: its IN deal says whose it is
            opening = [d for d in self._rows(self._mt5.history_deals_get(position=raw.position_id),
                                             "history_deals_get") if d.entry == self._mt5.DEAL_ENTRY_IN]
            tag = tags[raw.position_id] = opening[0].comment if opening else ""
        return records.deal(raw, side, self._symbols.pair(raw.symbol),
                            client_id_of(tag, COMMENT_LIMIT) if tag else None, self._clock)

    def _quote(self, symbol: str) -> Any:
        return self._read(self._mt5.symbol_info_tick(symbol), f"symbol_info_tick({symbol})")

    def _mapped(self, pair: Pair) -> str:
        name = self._symbols.symbol(pair)
        if name is None:
            raise LookupError(f"{pair} is not mapped to a broker symbol (BROKER_SYMBOLS)")
        return name

    # --- the package's None answers

    def _read(self, value: Any, call: str) -> Any:
        """``value``, or an exception: LookupError for a missing thing, BrokerUnavailable otherwise."""
        if value is None:
            code, message = self._mt5.last_error()
            if code > IPC_FAILURE and code != -1:
                raise LookupError(f"MT5 {call}: ({code}, {message})")
            raise BrokerUnavailable(f"MT5 {call} failed: ({code}, {message})")
        return value

    def _maybe(self, value: Any, call: str) -> Any:
        """``value``, None for a thing that is not there, BrokerUnavailable when the terminal is lost."""
        try:
            return self._read(value, call)
        except LookupError:
            return None

    def _rows(self, value: Any, call: str) -> list[Any]:
        return list(self._maybe(value, call) or ())
