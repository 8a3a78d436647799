"""Postgres going away mid-run: scans store nothing and announce nothing, then recover by themselves."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from adapters.brokers.paper import PaperBroker
from adapters.replay import ArrayCandleSource
from adapters.sql import SqlRiskBook, SqlSignalRepository, create_engine, upgrade
from application.runtime.scan_market import ScanConfig, ScanMarket
from application.runtime.scan_outcome import Status
from domain.market.candles import Direction, Pair
from domain.signals.confidence import HysteresisSettings
from domain.signals.signal import Mode
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
        # two scans confirm the tier: the first only loads and saves the state, so a pooled
        # connection through the proxy exists when it is cut, and the signals come after
        scan = ScanMarket(source=ArrayCandleSource({BTC: random_walk(START, 300, seed=5)}),
                          predictor=FixedPredictor(Direction.LONG, 0.75), book=SqlRiskBook(engine, "dryrun"),
                          notifier=notifier, broker=PaperBroker(), timer=time.perf_counter,
                          config=ScanConfig(pairs=(BTC,), mode=Mode.DRYRUN,
                                            hysteresis=HysteresisSettings(confirm_scans=2)))
        minute = iter(range(60, 300))

        def scan_once():
            report = scan.scan(START + timedelta(minutes=next(minute)))
            [outcome] = report.pairs
            return outcome, report.store_error

        first, error = scan_once()
        assert first.status is Status.UNCONFIRMED and error is None
        proxy.cut()
        down, errors = zip(*(scan_once() for _ in range(3)), strict=True)
        assert [o.status for o in down] == [Status.STORE_FAILED] * 3
        assert all(o.reasons and "OperationalError" in o.reasons[0] for o in down)
        assert all("OperationalError" in e for e in errors)  # the scan's own state save failed too
        assert notifier.messages == []
        proxy.restore()
        back, error = scan_once()
        assert back.status is Status.EMITTED and error is None
        engine.dispose()
    [message] = notifier.messages
    assert back.signal.signal_id in message
    stored = {s.signal_id for s in SqlSignalRepository(direct).list()}
    assert stored == {back.signal.signal_id}
    # the state saved holds exactly the signal stored: nothing of the failed ones
    state = SqlRiskBook(direct, "dryrun").load_state()
    assert [p.position_id for p in state.account.positions] == [back.signal.signal_id]
    assert len(state.emissions) == 1
    direct.dispose()
