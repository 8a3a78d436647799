"""Startup reconciliation in live mode: an order the runtime sent and was killed before recording
is booked from the broker once, from its intent; a position the broker closed at its stop while
the runtime was down is booked with its real exit from the deal history, once; a position the book
does not know (and no intent names) is reported and alerted, and left alone."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import attrs
import pytest
import sqlalchemy as sa

from adapters.sql import SqlRiskBook
from adapters.sql.tables import order_intents
from tests.integration.brokers.live_run import START, LiveAccount
from tests.integration.runtime.test_run_replay import stored_rows

DOWN_AT = START + timedelta(hours=3)


def test_a_restart_books_what_the_broker_closed_and_alerts_what_it_does_not_know(tmp_path: Path) -> None:
    live = LiveAccount(tmp_path)
    live.run(START + timedelta(hours=1), DOWN_AT)
    [open_row] = [r for r in stored_rows(live.url) if r["result"] is None]
    terminal = live.terminal
    [ticket] = [t for t, p in terminal.positions.items() if p.comment == open_row["signal_id"]]
    # while the runtime is down: the stop is hit at the broker, and a person opens a position by hand
    stop = round(open_row["sl_price"], 2)
    terminal.hit(ticket, stop, reason=terminal.DEAL_REASON_SL)
    _, ask = terminal.quotes["BTCUSD"]
    manual = terminal.order_send({"action": terminal.TRADE_ACTION_DEAL, "symbol": "BTCUSD", "volume": 0.1,
                                  "type": terminal.ORDER_TYPE_BUY, "price": ask, "deviation": 100, "magic": 0,
                                  "comment": "by hand", "type_filling": terminal.ORDER_FILLING_FOK})
    assert manual.retcode == terminal.TRADE_RETCODE_DONE

    _, events, printed = live.run(DOWN_AT, DOWN_AT + timedelta(minutes=30))

    [closed] = [e for e in events if e["event"] == "reconciled_close"]
    assert closed["signal_id"] == open_row["signal_id"] and closed["reason"] == "stop_loss"
    assert closed["exit_price"] == stop and closed["error"] is None
    row = next(r for r in stored_rows(live.url) if r["signal_id"] == open_row["signal_id"])
    assert row["result"] == "L" and row["exit_price"] == stop
    [unknown] = [e for e in events if e["event"] == "broker_position_unknown"]
    assert unknown["ticket"] == str(manual.order) and unknown["client_id"] is None
    assert "is not in the risk book" in printed  # the alert reached the notifier
    assert manual.order in terminal.positions  # never adopted, never closed
    assert not [s for s in terminal.sent if s.get("position") in (ticket, manual.order)]
    assert not [e for e in events if e["event"] in ("reconcile_failed", "reconcile_refused", "scan_failed")]



def _send_as_the_runtime(live: LiveAccount, signal_id: str) -> int:
    """The order the runtime sent for ``signal_id`` before it was killed, the signal not yet written."""
    terminal = live.terminal
    for ticket, held in list(terminal.positions.items()):  # flat, so that only this one is left
        terminal.hit(ticket, held.price_current or held.price_open, reason=terminal.DEAL_REASON_SL)
    _, ask = terminal.quotes["BTCUSD"]
    sent = terminal.order_send({"action": terminal.TRADE_ACTION_DEAL, "symbol": "BTCUSD", "volume": 0.5,
                                "type": terminal.ORDER_TYPE_BUY, "price": ask, "deviation": 100,
                                "magic": live.settings.broker.magic, "comment": signal_id,
                                "type_filling": terminal.ORDER_FILLING_FOK})
    assert sent.retcode == terminal.TRADE_RETCODE_DONE
    return int(sent.order)


class Killed(BaseException):
    """The process dying: no handler of the runtime's catches it, nothing after it runs."""


@pytest.mark.parametrize("mode", ["live", "dryrun"])  # a dry-run against a real broker (micro-lot) sends orders too
def test_a_runtime_killed_between_order_and_record_books_the_position_once_at_restart(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str) -> None:
    live = LiveAccount(tmp_path)
    live.settings = attrs.evolve(live.settings, mode=mode)

    def killed(*args: object, **kwargs: object) -> bool:
        raise Killed

    monkeypatch.setattr(SqlRiskBook, "record_signal", killed)
    with pytest.raises(Killed):
        live.run(START + timedelta(hours=1), DOWN_AT)
    monkeypatch.undo()
    killed_at = live.at()
    [(ticket, held)] = live.terminal.positions.items()  # the order reached the broker
    assert stored_rows(live.url) == []

    _, events, printed = live.run(killed_at, killed_at + timedelta(minutes=90))

    [recovered] = [e for e in events if e["event"] == "order_recovered"]
    assert recovered["signal_id"] == held.comment and recovered["price"] == held.price_open
    assert not [e for e in events if e["event"] in ("broker_position_unknown", "order_unresolved", "scan_failed")]
    [row] = [r for r in stored_rows(live.url) if r["signal_id"] == held.comment]
    assert row["mode"] == mode and row["size"] == held.volume and row["entry_fill_price"] == held.price_open
    assert row["result"] in ("W", "L")  # managed from then on: closed by the runtime within its holding time
    assert ticket not in live.terminal.positions
    assert "Booked late from the broker's fill" in printed
    assert _intents(live.url) == []

    _, again, _ = live.run(killed_at + timedelta(minutes=90), killed_at + timedelta(minutes=100))
    assert [r["signal_id"] for r in stored_rows(live.url)].count(held.comment) == 1
    assert not [e for e in again if e["event"] in ("order_recovered", "broker_position_unknown")]


def _intents(url: str) -> list[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return [row.signal_id for row in connection.execute(sa.select(order_intents.c.signal_id))]
    finally:
        engine.dispose()


def test_a_lost_record_of_ours_without_its_intent_is_named_by_its_signal_id_and_not_adopted(tmp_path: Path) -> None:
    live = LiveAccount(tmp_path)
    live.run(START + timedelta(hours=1), DOWN_AT)
    lost_id = "BTCUSDT-20240301T0259Z-L"  # an odd minute: no later scan emits this signal again
    ticket = _send_as_the_runtime(live, lost_id)

    _, events, printed = live.run(DOWN_AT, DOWN_AT + timedelta(minutes=10))

    [unknown] = [e for e in events if e["event"] == "broker_position_unknown"]
    assert unknown["client_id"] == lost_id and unknown["ticket"] == str(ticket)
    assert f"(client id {lost_id}) was opened by this runtime" in printed and ticket in live.terminal.positions
    assert lost_id not in {r["signal_id"] for r in stored_rows(live.url)}


def test_a_replay_restarted_on_the_killed_scan_books_the_brokers_position_once(tmp_path: Path) -> None:
    live = LiveAccount(tmp_path)
    live.run(START + timedelta(hours=1), DOWN_AT)
    lost_id = "BTCUSDT-20240301T0300Z-L"  # the signal the first scan after the restart emits again
    ticket = _send_as_the_runtime(live, lost_id)
    sent_before = len(live.terminal.sent)

    live.run(DOWN_AT, DOWN_AT + timedelta(minutes=10))

    assert [r["signal_id"] for r in stored_rows(live.url)].count(lost_id) == 1
    # placing is idempotent by client id: the broker's position answered, no second order sent
    assert [s for s in live.terminal.sent[sent_before:] if s.get("comment") == lost_id and "position" not in s] == []
    assert [p.comment for p in live.terminal.positions.values()].count(lost_id) <= 1
    assert ticket in live.terminal.positions or any(d.position_id == ticket for d in live.terminal.deals
                                                    if d.entry == live.terminal.DEAL_ENTRY_OUT)
