"""MetaApi (metaapi.cloud): MetaTrader through MetaApi's REST trading API over httpx, the broker
port's ``metaapi`` adapter. No MetaApi SDK: the few routes used are called directly."""
