"""Live: the account's balance at a past instant, from the broker: its balance now less the money
every deal since has booked (profit, commission and swap). FTMO's daily loss limit is measured
from the balance at the last Prague midnight, which is this at that midnight."""

from __future__ import annotations

from datetime import datetime, timedelta

from application.brokers.ports import BrokerGateway, BrokerUnavailable

_CLOCK_SLACK = timedelta(minutes=1)  # a broker's clock may run ahead of ours, and its deals with it
_TRIES = 3


def balance_at(gateway: BrokerGateway, at: datetime, now: datetime) -> float:
    """The balance at ``at`` (<= ``now``). The deals are read between two reads of the balance,
    and read again when a deal moved the balance meanwhile; still moving after three tries, the
    balance cannot be known (BrokerUnavailable)."""
    before = gateway.account().balance
    for _ in range(_TRIES):
        booked = sum(d.profit + d.commission + d.swap for d in gateway.deals(at, now + _CLOCK_SLACK))
        after = gateway.account().balance
        if after == before:
            return after - booked
        before = after
    raise BrokerUnavailable(f"{gateway.name}: the balance kept moving while its deals since {at:%Y-%m-%d %H:%M} "
                            "UTC were read; the day-start balance is not known")
