"""Faults at the broker during a live replay: a requote, a rejection, the terminal lost and back
(a disconnect, a restart), an answer lost on the way, a timeout. The runtime runs to the end, each
fault is a log event, and the book matches the broker: one order per signal, the book's open
trades are the broker's open positions, every close is the broker's deal."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.fakes.market_terminal import LOST
from tests.fakes.metatrader5 import FakeMetaTrader5
from tests.integration.brokers.live_run import START, LiveAccount
from tests.integration.runtime.test_run_replay import stored_rows


def _next_open(fault: int):  # type: ignore[no-untyped-def]
    return lambda t: t.open_faults.append(fault)


def test_faults_leave_the_runtime_running_and_the_book_matching_the_broker(tmp_path: Path) -> None:
    live = LiveAccount(tmp_path)
    t = live.terminal
    down_at, up_at = START + timedelta(hours=2, minutes=30), START + timedelta(hours=2, minutes=50)
    t.schedule = sorted([
        (START + timedelta(hours=1, minutes=10), _next_open(t.TRADE_RETCODE_REQUOTE)),
        (START + timedelta(hours=1, minutes=50), _next_open(t.TRADE_RETCODE_REJECT)),
        (down_at, FakeMetaTrader5.down), (up_at, FakeMetaTrader5.up),
        (START + timedelta(hours=3, minutes=30), _next_open(LOST)),
        (START + timedelta(hours=4, minutes=10), _next_open(t.TRADE_RETCODE_TIMEOUT)),
    ], key=lambda item: item[0])

    summary, events, _ = live.run(START + timedelta(hours=1), START + timedelta(hours=5))

    assert summary["scans"] == 121 and not t.schedule  # every fault played, the runtime ran to the end
    assert not [e for e in events if e["event"] in ("scan_failed", "state_not_saved", "signal_not_recorded")]

    def said(*names: str) -> str:
        return " | ".join(f"{e.get('reasons', '')} {e.get('error', '')} {e.get('detail', '')}" for e in events
                          if e["event"] in names)

    assert "requote, retcode 10004" in said("signal_rejected") and "rejected, retcode 10006" in said("signal_rejected")
    # the terminal lost: the guard's account unknown, nothing emitted; the closes wait for it to come back
    assert "account cannot be read" in said("signal_denied") and "No IPC connection" in said("trade_close_refused")
    # the timeout: resolved by client id (nothing at the broker), the lost answer: found and booked once
    assert "retcode 10012" in said("signal_rejected") and "holds no position for it" in said("signal_rejected")
    assert "its answer was lost" in said("order_outcome_resolved")

    rows = stored_rows(live.url)
    opened = Counter(s["comment"] for s in t.sent if "position" not in s)
    filled_ins = Counter(d.comment for d in t.deals if d.entry == t.DEAL_ENTRY_IN)
    assert all(n == 1 for n in filled_ins.values())  # nothing opened twice, the lost answer included
    assert {r["signal_id"] for r in rows} == set(filled_ins)  # every fill is in the book, every signal a fill
    assert set(opened) >= set(filled_ins) and all(n == 1 for n in opened.values())  # no order sent twice
    still_open = {p.comment for p in t.positions.values()}
    assert {r["signal_id"] for r in rows if r["result"] is None} == still_open
    outs = sorted(d.price for d in t.deals if d.entry == t.DEAL_ENTRY_OUT)
    assert sorted(round(r["exit_price"], 2) for r in rows if r["result"] is not None) == outs
    resumed = [r for r in rows if datetime.fromisoformat(str(r["entry_time"])).replace(tzinfo=UTC) > up_at]
    assert resumed  # trading went on once the terminal was back
