"""The MetaTrader5 package's return types and constants, with the real names, field orders and
values (MetaTrader5 5.0.45's named tuples and enums), for tests/fakes/metatrader5.py."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

import numpy as np

_SYMBOL_FIELDS = (
    "custom chart_mode select visible session_deals session_buy_orders session_sell_orders volume volumehigh "
    "volumelow time digits spread spread_float ticks_bookdepth trade_calc_mode trade_mode start_time "
    "expiration_time trade_stops_level trade_freeze_level trade_exemode swap_mode swap_rollover3days "
    "margin_hedged_use_leg expiration_mode filling_mode order_mode order_gtc_mode option_mode option_right bid "
    "bidhigh bidlow ask askhigh asklow last lasthigh lastlow volume_real volumehigh_real volumelow_real "
    "option_strike point trade_tick_value trade_tick_value_profit trade_tick_value_loss trade_tick_size "
    "trade_contract_size trade_accrued_interest trade_face_value trade_liquidity_rate volume_min volume_max "
    "volume_step volume_limit swap_long swap_short margin_initial margin_maintenance session_volume "
    "session_turnover session_interest session_buy_orders_volume session_sell_orders_volume session_open "
    "session_close session_aw session_price_settlement session_price_limit_min session_price_limit_max "
    "margin_hedged price_change price_volatility price_theoretical price_greeks_delta price_greeks_theta "
    "price_greeks_gamma price_greeks_vega price_greeks_rho price_greeks_omega price_sensitivity basis category "
    "currency_base currency_profit currency_margin bank description exchange formula isin name page path"
)
_STRING_SYMBOL_FIELDS = frozenset(["basis", "category", "currency_base", "currency_profit", "currency_margin", "bank", "description", "exchange", "formula", "isin", "name", "page", "path"])

AccountInfo = namedtuple(
    "AccountInfo",
    "login trade_mode leverage limit_orders margin_so_mode trade_allowed trade_expert margin_mode currency_digits "
    "fifo_close balance credit profit equity margin margin_free margin_level margin_so_call margin_so_so "
    "margin_initial margin_maintenance assets liabilities commission_blocked name server currency company",
)
SymbolInfo = namedtuple("SymbolInfo", _SYMBOL_FIELDS)
Tick = namedtuple("Tick", "time bid ask last volume time_msc flags volume_real")
TradePosition = namedtuple(
    "TradePosition",
    "ticket time time_msc time_update time_update_msc type magic identifier reason volume price_open sl tp "
    "price_current swap profit symbol comment external_id",
)
TradeDeal = namedtuple(
    "TradeDeal",
    "ticket order time time_msc type entry magic position_id reason volume price commission swap profit fee symbol "
    "comment external_id",
)
TradeRequest = namedtuple(
    "TradeRequest",
    "action magic order symbol volume price stoplimit sl tp deviation type type_filling type_time expiration "
    "comment position position_by",
)
OrderSendResult = namedtuple(
    "OrderSendResult", "retcode deal order volume price bid ask comment request_id retcode_external request"
)

TICK_DTYPE = np.dtype([("time", "<i8"), ("bid", "<f8"), ("ask", "<f8"), ("last", "<f8"), ("volume", "<u8"),
                       ("time_msc", "<i8"), ("flags", "<u4"), ("volume_real", "<f8")])


def symbol_info(**values: Any) -> Any:
    defaults = {name: ("" if name in _STRING_SYMBOL_FIELDS else 0) for name in SymbolInfo._fields}
    return SymbolInfo(**{**defaults, **values})


def trade_request(request: dict[str, Any]) -> Any:
    defaults = {name: ("" if name in ("symbol", "comment") else 0) for name in TradeRequest._fields}
    return TradeRequest(**{**defaults, **request})


CONSTANTS = {
    "TRADE_ACTION_DEAL": 1, "TRADE_ACTION_PENDING": 5, "TRADE_ACTION_SLTP": 6,
    "ORDER_TYPE_BUY": 0, "ORDER_TYPE_SELL": 1,
    "ORDER_FILLING_FOK": 0, "ORDER_FILLING_IOC": 1, "ORDER_FILLING_RETURN": 2,
    "ORDER_TIME_GTC": 0,
    "POSITION_TYPE_BUY": 0, "POSITION_TYPE_SELL": 1,
    "DEAL_TYPE_BUY": 0, "DEAL_TYPE_SELL": 1, "DEAL_TYPE_BALANCE": 2,
    "DEAL_ENTRY_IN": 0, "DEAL_ENTRY_OUT": 1, "DEAL_ENTRY_INOUT": 2, "DEAL_ENTRY_OUT_BY": 3,
    "DEAL_REASON_CLIENT": 0, "DEAL_REASON_MOBILE": 1, "DEAL_REASON_WEB": 2, "DEAL_REASON_EXPERT": 3,
    "DEAL_REASON_SL": 4, "DEAL_REASON_TP": 5, "DEAL_REASON_SO": 6,
    "SYMBOL_FILLING_FOK": 1, "SYMBOL_FILLING_IOC": 2,
    "COPY_TICKS_ALL": -1, "COPY_TICKS_INFO": 1, "COPY_TICKS_TRADE": 2,
    "TRADE_RETCODE_REQUOTE": 10004, "TRADE_RETCODE_REJECT": 10006, "TRADE_RETCODE_CANCEL": 10007,
    "TRADE_RETCODE_PLACED": 10008, "TRADE_RETCODE_DONE": 10009, "TRADE_RETCODE_DONE_PARTIAL": 10010,
    "TRADE_RETCODE_ERROR": 10011, "TRADE_RETCODE_TIMEOUT": 10012, "TRADE_RETCODE_INVALID": 10013,
    "TRADE_RETCODE_INVALID_VOLUME": 10014, "TRADE_RETCODE_INVALID_PRICE": 10015,
    "TRADE_RETCODE_INVALID_STOPS": 10016, "TRADE_RETCODE_TRADE_DISABLED": 10017,
    "TRADE_RETCODE_MARKET_CLOSED": 10018, "TRADE_RETCODE_NO_MONEY": 10019, "TRADE_RETCODE_PRICE_CHANGED": 10020,
    "TRADE_RETCODE_PRICE_OFF": 10021, "TRADE_RETCODE_TOO_MANY_REQUESTS": 10024,
    "TRADE_RETCODE_SERVER_DISABLES_AT": 10026, "TRADE_RETCODE_CLIENT_DISABLES_AT": 10027,
    "TRADE_RETCODE_INVALID_FILL": 10030, "TRADE_RETCODE_CONNECTION": 10031, "TRADE_RETCODE_POSITION_CLOSED": 10036,
    "RES_S_OK": 1, "RES_E_FAIL": -1, "RES_E_INVALID_PARAMS": -2, "RES_E_NOT_FOUND": -4, "RES_E_AUTH_FAILED": -6,
    "RES_E_INTERNAL_FAIL_CONNECT": -10004, "RES_E_INTERNAL_FAIL_TIMEOUT": -10005,
}
