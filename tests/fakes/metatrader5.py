"""A fake of the ``MetaTrader5`` package: a simulated terminal with one account, answering the calls
adapters.mt5 makes with the package's real return shapes (tests/fakes/metatrader5_records.py).

It fills market orders at the quote set with ``quote`` (ask for buys, bid for sells) and requotes
when that quote is further from the request's price than its deviation; keeps positions and deals
(commission charged on each deal); reports times as the terminal does, in the trade server's clock
(``server_offset``); and plays faults: ``retcodes`` answers the next order_send calls with those
codes, ``lost_answers`` executes the next orders but answers None (the answer lost on the way),
``down()`` loses the terminal (every call answers None, last_error -10004), ``up()`` brings it
back, ``refuse_login`` fails the login, ``hit`` closes a position as the broker does at a stop.
Passed to the adapter as the module object.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from tests.fakes import metatrader5_records as records

_SPECS = {"BTCUSD": 1.0, "ETHUSD": 10.0, "BNBUSD": 1.0}
COMMISSION_RATE = 0.000325


class FakeMetaTrader5:
    def __init__(self, now: datetime, server_offset: timedelta = timedelta(0), balance: float = 100_000.0,
                 contract_sizes: dict[str, float] | None = None) -> None:
        for name, value in records.CONSTANTS.items():
            setattr(self, name, value)
        self.now, self.server_offset = now, server_offset
        self.balance, self.leverage = balance, 100
        self.symbols = {name: records.symbol_info(
            name=name, visible=True, select=True, digits=2, point=0.01, trade_contract_size=size, volume_min=0.01,
            volume_max=100.0, volume_step=0.01, filling_mode=1 | 2, trade_mode=4, trade_tick_size=0.01,
            currency_base=name[:3], currency_profit="USD", currency_margin=name[:3])
            for name, size in (contract_sizes or _SPECS).items()}
        self.quotes: dict[str, tuple[float, float]] = {}
        self.tick_log: dict[str, list[tuple[int, float, float]]] = {}
        self.positions: dict[int, Any] = {}
        self.deals: list[Any] = []
        self.retcodes: deque[int] = deque()
        self.sent: list[dict[str, Any]] = []
        self.connected, self.initialized, self.refuse_login = True, False, False
        self.lost_answers = 0
        self._error: tuple[int, str] = (1, "Success")
        self._ticket = 5_000_000

    # --- the test's controls

    def quote(self, symbol: str, bid: float, ask: float) -> None:
        self.quotes[symbol] = (bid, ask)
        self.tick_log.setdefault(symbol, []).append((self._server_ms(), bid, ask))

    def hit(self, ticket: int, price: float, reason: int = 4) -> None:
        """The broker closes position ``ticket`` at ``price`` (a stop: reason 4 sl, 5 tp, 6 stop-out)."""
        held = self.positions.pop(ticket)
        sign = 1 if held.type == self.POSITION_TYPE_BUY else -1
        profit = round(sign * (price - held.price_open) * held.volume * self._size(held.symbol), 2)
        request = records.trade_request({"symbol": held.symbol, "volume": held.volume, "magic": held.magic,
                                         "type": 1 - held.type, "comment": f"[{'sl' if reason == 4 else 'tp'} {price}]"})
        deal = self._deal(ticket, self._next_ticket(), request, price, self.DEAL_ENTRY_OUT, profit)
        self.deals[-1] = deal._replace(reason=reason)

    def down(self) -> None:
        self.connected = False

    def up(self) -> None:
        self.connected = True

    # --- the package's calls

    def initialize(self, path: str | None = None, **credentials: Any) -> bool:
        self.initialized = self.connected
        return self._answer(True) is True

    def login(self, login: int, password: str = "", server: str = "", timeout: int = 60_000) -> bool:
        if self.refuse_login:
            self._error = (-6, "Terminal: Authorization failed")
            return False
        return self._answer(True) is True

    def shutdown(self) -> None:
        self.initialized = False

    def last_error(self) -> tuple[int, str]:
        return self._error

    def account_info(self) -> Any:
        floating = sum(p.profit for p in self._marked())
        margin = sum(p.volume * self._size(p.symbol) * p.price_open for p in self.positions.values()) / self.leverage
        equity = self.balance + floating
        return self._answer(records.AccountInfo(
            1234567, 0, self.leverage, 200, 0, True, True, 2, 2, False, self.balance, 0.0, floating, equity, margin,
            equity - margin, equity / margin * 100 if margin else 0.0, 50.0, 30.0, 0.0, 0.0, 0.0, 0.0, 0.0,
            "Demo", "FTMO-Demo", "USD", "FTMO S.R.O."))

    def symbol_info(self, symbol: str) -> Any:
        found = self.symbols.get(symbol)
        if found is not None and symbol in self.quotes:
            found = found._replace(bid=self.quotes[symbol][0], ask=self.quotes[symbol][1])
        return self._answer(found, missing=(-4, "Terminal: Not found"))

    def symbol_select(self, symbol: str, enable: bool = True) -> bool:
        return self._answer(symbol in self.symbols) is True

    def symbol_info_tick(self, symbol: str) -> Any:
        if symbol not in self.quotes:
            return self._answer(None, missing=(-4, "Terminal: Not found"))
        ms, bid, ask = self.tick_log[symbol][-1]
        return self._answer(records.Tick(ms // 1000, bid, ask, 0.0, 0, ms, 6, 0.0))

    def copy_ticks_range(self, symbol: str, date_from: Any, date_to: Any, flags: int) -> Any:
        start, end = _seconds(date_from) * 1000, _seconds(date_to) * 1000
        rows = [(ms // 1000, bid, ask, 0.0, 0, ms, 6, 0.0) for ms, bid, ask in self.tick_log.get(symbol, [])
                if start <= ms <= end]
        return self._answer(np.array(rows, dtype=records.TICK_DTYPE))

    def positions_get(self, symbol: str | None = None, group: str | None = None, ticket: int | None = None) -> Any:
        found = [p for p in self._marked() if (symbol is None or p.symbol == symbol) and
                 (ticket is None or p.ticket == ticket)]
        return self._answer(tuple(found))

    def history_deals_get(self, date_from: Any = None, date_to: Any = None, group: str | None = None,
                          ticket: int | None = None, position: int | None = None) -> Any:
        if ticket is not None:
            found = [d for d in self.deals if d.ticket == ticket]
        elif position is not None:
            found = [d for d in self.deals if d.position_id == position]
        else:
            start, end = _seconds(date_from), _seconds(date_to)
            found = [d for d in self.deals if start <= d.time <= end]
        return self._answer(tuple(found))

    def order_send(self, request: dict[str, Any]) -> Any:
        if not self.connected:
            return self._answer(None)
        self.sent.append(dict(request))
        sent = records.trade_request(request)
        if self.retcodes:
            return self._result(self.retcodes.popleft(), sent)
        result = self._close(sent) if sent.position else self._open(sent)
        if self.lost_answers:
            self.lost_answers -= 1
            self._error = (-10002, "IPC recv failed")
            return None
        return result

    # --- the simulation

    def _open(self, request: Any) -> Any:
        if problem := self._refusal(request):
            return self._result(problem, request)
        price = self._price(request.symbol, request.type == self.ORDER_TYPE_BUY)
        direction = 1 if request.type == self.ORDER_TYPE_BUY else -1
        if (request.sl and direction * request.sl >= direction * price) or \
                (request.tp and direction * request.tp <= direction * price):
            return self._result(self.TRADE_RETCODE_INVALID_STOPS, request)
        ticket = self._next_ticket()
        ms = self._server_ms()
        self.positions[ticket] = records.TradePosition(
            ticket, ms // 1000, ms, ms // 1000, ms, request.type, request.magic, ticket, self.DEAL_REASON_EXPERT,
            request.volume, price, request.sl, request.tp, price, 0.0, 0.0, request.symbol, request.comment, "")
        deal = self._deal(ticket, ticket, request, price, self.DEAL_ENTRY_IN, 0.0)
        return self._result(self.TRADE_RETCODE_DONE, request, deal, price)

    def _close(self, request: Any) -> Any:
        held = self.positions.get(request.position)
        if held is None:
            return self._result(self.TRADE_RETCODE_POSITION_CLOSED, request)
        if problem := self._refusal(request):
            return self._result(problem, request)
        if abs(request.volume - held.volume) > 1e-9:
            return self._result(self.TRADE_RETCODE_INVALID_VOLUME, request)
        price = self._price(request.symbol, request.type == self.ORDER_TYPE_BUY)
        sign = 1 if held.type == self.POSITION_TYPE_BUY else -1
        profit = round(sign * (price - held.price_open) * held.volume * self._size(held.symbol), 2)
        del self.positions[held.ticket]
        deal = self._deal(held.ticket, self._next_ticket(), request, price, self.DEAL_ENTRY_OUT, profit)
        return self._result(self.TRADE_RETCODE_DONE, request, deal, price)

    def _refusal(self, request: Any) -> int:
        spec = self.symbols.get(request.symbol)
        if request.action != self.TRADE_ACTION_DEAL or spec is None or request.symbol not in self.quotes:
            return int(self.TRADE_RETCODE_INVALID)
        if request.type_filling != self.ORDER_FILLING_FOK or not spec.filling_mode & self.SYMBOL_FILLING_FOK:
            return int(self.TRADE_RETCODE_INVALID_FILL)
        steps = request.volume / spec.volume_step
        if not spec.volume_min <= request.volume <= spec.volume_max or abs(steps - round(steps)) > 1e-6:
            return int(self.TRADE_RETCODE_INVALID_VOLUME)
        price = self._price(request.symbol, request.type == self.ORDER_TYPE_BUY)
        if abs(price - request.price) > request.deviation * spec.point + 1e-9:
            return int(self.TRADE_RETCODE_REQUOTE)
        return 0

    def _deal(self, position: int, order: int, request: Any, price: float, entry: int, profit: float) -> Any:
        commission = -round(COMMISSION_RATE * price * request.volume * self._size(request.symbol), 2)
        ms = self._server_ms()
        deal = records.TradeDeal(self._next_ticket(), order, ms // 1000, ms, request.type, entry, request.magic,
                                 position, self.DEAL_REASON_EXPERT, request.volume, price, commission, 0.0, profit,
                                 0.0, request.symbol, request.comment, "")
        self.deals.append(deal)
        self.balance += profit + commission
        return deal

    def _result(self, retcode: int, request: Any, deal: Any = None, price: float = 0.0) -> Any:
        bid, ask = self.quotes.get(request.symbol, (0.0, 0.0))
        return self._answer(records.OrderSendResult(
            retcode, deal.ticket if deal else 0, deal.order if deal else 0, request.volume if deal else 0.0, price,
            bid, ask, "Request executed" if deal else f"retcode {retcode}", 7, 0, request))

    def _marked(self) -> list[Any]:
        marked = []
        for p in self.positions.values():
            bid, ask = self.quotes[p.symbol]
            current = bid if p.type == self.POSITION_TYPE_BUY else ask
            sign = 1 if p.type == self.POSITION_TYPE_BUY else -1
            profit = round(sign * (current - p.price_open) * p.volume * self._size(p.symbol), 2)
            marked.append(p._replace(price_current=current, profit=profit))
        return marked

    def _price(self, symbol: str, buying: bool) -> float:
        bid, ask = self.quotes[symbol]
        return ask if buying else bid

    def _size(self, symbol: str) -> float:
        return float(self.symbols[symbol].trade_contract_size)

    def _next_ticket(self) -> int:
        self._ticket += 1
        return self._ticket

    def _server_ms(self) -> int:
        return int((self.now + self.server_offset).timestamp() * 1000)

    def _answer(self, value: Any, missing: tuple[int, str] = (1, "Success")) -> Any:
        if not self.connected:
            self._error = (-10004, "No IPC connection")
            return None
        self._error = (1, "Success") if value is not None else missing
        return value


def _seconds(value: Any) -> int:
    return int(value.timestamp()) if isinstance(value, datetime) else int(value)
