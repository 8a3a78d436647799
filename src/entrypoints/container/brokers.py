"""The live broker gateways, each built from the settings (BROKER=mt5, mt5-rest or metaapi). Each
imports its adapter inside the function, so an unselected one (and its SDK) is never loaded."""

from __future__ import annotations

import time
from zoneinfo import ZoneInfo

import structlog

from application.brokers.orders import LiveSetup
from application.brokers.ports import BrokerGateway
from application.brokers.runtime_broker import GatewayBroker
from application.brokers.symbols import SymbolMap
from application.runtime.ports import Broker
from domain.execution.instruments import Instruments
from entrypoints.settings import Settings

# MICRO_LOT=true: the smallest size every live symbol takes, whatever the sizing says
MICRO_LOTS = 0.01


def live_setup(settings: Settings, instruments: Instruments) -> LiveSetup:
    """BROKER_SYMBOLS and BROKER_MAGIC, with the contract sizes the guard sizes with."""
    return LiveSetup(SymbolMap(settings.broker.symbols), instruments=instruments, magic=settings.broker.magic)


def gateway_broker(settings: Settings, gateway: BrokerGateway) -> Broker:
    log = structlog.get_logger("broker")
    return GatewayBroker(gateway, deviation_bps=settings.broker.deviation_bps,
                         on_resolved=lambda detail: log.warning("order_outcome_resolved", detail=detail),
                         timer=time.perf_counter, fixed_lots=MICRO_LOTS if settings.broker.micro_lot else None)


def mt5_gateway(settings: Settings, instruments: Instruments) -> BrokerGateway:
    from adapters.mt5.gateway import Mt5Gateway
    from adapters.mt5.records import ServerClock
    from adapters.mt5.terminal import connect, load_metatrader5
    from application.brokers.serial import SerialGateway

    b = settings.broker
    if b.mt5_password is None:
        raise ValueError("broker.mt5_password is required when broker.name is mt5")
    terminal = load_metatrader5()
    connect(terminal, b.mt5_login, b.mt5_password.reveal(), b.mt5_server, b.mt5_terminal_path,
            int(b.timeout_seconds * 1000))
    # the terminal's IPC is not thread-safe: the scan and any other thread take turns
    return SerialGateway(Mt5Gateway(terminal, setup=live_setup(settings, instruments),
                                    clock=ServerClock(ZoneInfo(settings.execution.mt5_time_zone))))


def mt5_rest_gateway(settings: Settings) -> BrokerGateway:
    from adapters.mt5_rest.client import Mt5RestGateway

    b = settings.broker
    if b.mt5_bridge_token is None or not b.mt5_bridge_url:
        raise ValueError("broker.mt5_bridge_url and broker.mt5_bridge_token are required when broker.name is mt5-rest")
    return Mt5RestGateway(b.mt5_bridge_url, b.mt5_bridge_token.reveal(), timeout_s=b.timeout_seconds)


def metaapi_gateway(settings: Settings, instruments: Instruments) -> BrokerGateway:
    from adapters.metaapi.gateway import MetaApiGateway

    b = settings.broker
    if b.metaapi_token is None or not b.metaapi_account_id:
        raise ValueError("broker.metaapi_token and broker.metaapi_account_id are required when broker.name is metaapi")
    return MetaApiGateway(b.metaapi_token.reveal(), b.metaapi_account_id, region=b.metaapi_region,
                          base_url=b.metaapi_base_url, setup=live_setup(settings, instruments),
                          timeout_s=b.timeout_seconds)
