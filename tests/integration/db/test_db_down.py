"""Postgres going away mid-run: scans store nothing and announce nothing, then recover by themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from adapters.replay import ArrayCandleSource
from adapters.sql import SqlSignalRepository, create_engine, upgrade
from application.scan_market import ScanConfig, ScanMarket, Status, kill_switch_guard
from domain.market import Direction, Pair
from domain.signals import Mode
from tests.fakes.ports import FixedPredictor, RecordingNotifier
from tests.fakes.series import random_walk
from tests.integration.db.tcp_proxy import TcpProxy

pytestmark = pytest.mark.postgres

BTC = Pair("BTCUSDT")
START = datetime(2024, 3, 1, tzinfo=UTC)


def through_proxy(url: str, port: int) -> str:
    return sa.engine.make_url(url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)


def test_scans_fail_to_store_while_the_database_is_unreachable_and_recover_after(pg_url) -> None:
    direct = create_engine(pg_url)
    upgrade(direct)
    notifier = RecordingNotifier()
    with TcpProxy(("127.0.0.1", 5432)) as proxy:
        engine = create_engine(through_proxy(pg_url, proxy.port), connect_timeout=2)
        signals = SqlSignalRepository(engine)
        scan = ScanMarket(source=ArrayCandleSource({BTC: random_walk(START, 300, seed=5)}),
                          predictor=FixedPredictor(Direction.LONG, 0.75), signals=signals, notifier=notifier,
                          guard=kill_switch_guard(lambda: False), config=ScanConfig(pairs=(BTC,), mode=Mode.DRYRUN))
        minute = iter(range(60, 300))

        def scan_once():
            [outcome] = scan.scan(START + timedelta(minutes=next(minute)))
            return outcome

        assert scan_once().status is Status.EMITTED  # a pooled connection now exists through the proxy
        proxy.cut()
        down = [scan_once() for _ in range(3)]
        assert [o.status for o in down] == [Status.STORE_FAILED] * 3
        assert all(o.reasons and "OperationalError" in o.reasons[0] for o in down)
        assert len(notifier.messages) == 1
        proxy.restore()
        back = [scan_once() for _ in range(2)]
        assert [o.status for o in back] == [Status.EMITTED] * 2
        engine.dispose()
    assert len(notifier.messages) == 3
    failed_ids = {o.signal.signal_id for o in down}
    stored = {s.signal_id for s in SqlSignalRepository(direct).list()}
    assert len(stored) == 3 and not stored & failed_ids
    assert all(o.signal.signal_id in m for o, m in zip(back, notifier.messages[1:], strict=True))
    direct.dispose()
