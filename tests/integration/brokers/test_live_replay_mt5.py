"""A replay in live mode against the fake MT5 terminal (put in through the container's
``broker_gateway``): every signal is an order at the terminal, the book holds the terminal's
fills, each close is the terminal's deal, and the guard's account is the terminal's."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from entrypoints.settings import Settings
from tests.integration.brokers.live_run import START, LiveAccount
from tests.integration.runtime.test_run_replay import stored_rows


def test_a_live_replay_trades_at_the_terminal_and_books_its_fills(tmp_path: Path) -> None:
    live = LiveAccount(tmp_path)
    summary, events, _ = live.run(START + timedelta(hours=1), START + timedelta(hours=5))
    terminal = live.terminal
    rows = stored_rows(live.url)
    assert summary["emitted"] == len(rows) > 0 and all(r["mode"] == "live" for r in rows)
    opened = [s for s in terminal.sent if "position" not in s]
    assert sorted(s["comment"] for s in opened) == sorted(r["signal_id"] for r in rows)  # one order per signal
    assert all(s["magic"] == Settings().broker.magic and s["type_filling"] == terminal.ORDER_FILLING_FOK
               for s in opened)
    closed = [r for r in rows if r["result"] is not None]
    assert closed, "the window is long enough for trades to close"
    exits = {d.position_id: d for d in terminal.deals if d.entry == terminal.DEAL_ENTRY_OUT}
    assert len(exits) == len(closed)
    booked = sorted(round(r["exit_price"], 2) for r in closed)
    assert booked == sorted(d.price for d in exits.values())  # the book's exit is the terminal's deal
    # the real fill's costs: half the quoted spread either side, measured against the level asked
    assert all(r["spread_bps"] is not None and 0.9 < r["spread_bps"] < 1.1 for r in closed)
    assert all(r["slippage_bps"] is not None for r in closed)
    assert all(r["latency_ms"] is not None and r["latency_ms"] >= 0 for r in closed)  # the close's round trip
    # and the opening fill's: the terminal's price (not the signal's), its costs and its round trip
    entries = {d.position_id: d for d in terminal.deals if d.entry == terminal.DEAL_ENTRY_IN}
    assert sorted(round(r["entry_fill_price"], 2) for r in rows) == sorted(d.price for d in entries.values())
    assert all(0.9 < r["entry_spread_bps"] < 1.1 and r["entry_slippage_bps"] is not None for r in rows)
    assert all(r["entry_latency_ms"] is not None and r["entry_latency_ms"] >= 0 for r in rows)
    assert any(r["entry_fill_price"] != r["entry_price"] for r in rows)  # the book keeps both prices
    assert not [e for e in events if e["event"] in ("scan_failed", "broker_rejected")]
    # the guard's account is the broker's: its balance (real fills, commissions) and its equity
    info = terminal.account_info()
    assert abs(summary["account"]["balance"] - info.balance) < 0.01
    assert abs(summary["account"]["equity"] - info.equity) < 0.01
