"""`tradeai microlot report` on a SQLite risk book built through the repositories: the live trades'
figures (paper vs real exit, slippage error, Wilson interval), the acceptance gate and exit codes."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner, Result

from adapters.sql import SqlOutcomeRepository, SqlSignalRepository, create_engine, upgrade
from adapters.sql.live_trades import read_live_trades
from adapters.sql.tables import risk_book
from domain.evaluation.gates import AcceptanceGate
from domain.evaluation.microlot import summarise
from domain.market.candles import Direction, Pair
from domain.signals.signal import Mode, Signal, Tier
from domain.stats.outcomes import Result as Won
from domain.stats.outcomes import TradeOutcome
from entrypoints.cli import cli
from entrypoints.cli.microlot import microlot

NOW = datetime(2024, 3, 1, 12, tzinfo=UTC)


def _book(url: str, won: int, lost: int, dryrun: int = 0, entries: bool = False) -> None:
    """Live trades (long, entry 100, TP 103, SL 98) whose real slippage is 2 bps over the 1 bps expected
    on wins and 1 bps under on losses, plus dry-run trades that must not count. ``entries``: each
    row also records its opening fill, 4 bps over the 1 bps expected (5 bps, spread 2 bps)."""
    engine = create_engine(url)
    upgrade(engine)
    signals, outcomes = SqlSignalRepository(engine), SqlOutcomeRepository(engine)
    rows = [(Mode.LIVE, True)] * won + [(Mode.LIVE, False)] * lost + [(Mode.DRYRUN, True)] * dryrun
    for n, (mode, win) in enumerate(rows):
        at = NOW - timedelta(hours=n + 1)
        signals.add(Signal(signal_id=f"S{n}", pair=Pair("BTCUSDT"), direction=Direction.LONG, entry=100.0,
                           take_profit=103.0, stop_loss=98.0, confidence=0.7, tier=Tier.HIGH, created_at=at,
                           mode=mode, size=0.01))
        outcomes.record_outcome(TradeOutcome(
            signal_id=f"S{n}", result=Won.WIN if win else Won.LOSS, exit_time=at + timedelta(minutes=30),
            exit_price=102.95 if win else 97.97, r_realized=1.4 if win else -1.0, time_to_tp_sl_seconds=1800.0,
            slippage_bps=3.0 if win else 0.0, slippage_expected_bps=1.0, spread_bps=2.0, latency_ms=85.0))
    if entries:
        with engine.begin() as connection:
            connection.execute(sa.update(risk_book).values(entry_fill_price=100.06, entry_slippage_bps=5.0,
                                                           entry_spread_bps=2.0, entry_latency_ms=90.0))
    engine.dispose()


def _run(url: str, *args: str) -> Result:
    env = {"DATABASE_URL": url, "NOTIFIER": "console", "LOG_LEVEL": "WARNING"}
    return CliRunner().invoke(microlot, ["report", *args], env=env, catch_exceptions=False)


def test_figures_of_the_live_trades_only(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/risk.db"
    _book(url, won=3, lost=1, dryrun=5)
    engine = create_engine(url)
    trades = read_live_trades(engine)
    engine.dispose()
    assert len(trades) == 4 and {t.signal_id for t in trades} == {"S0", "S1", "S2", "S3"}
    win = next(t for t in trades if t.won)
    # the paper model fills the TP at 103 less half the 2 bps spread and the 1 bps expected slippage
    assert win.simulated_exit == pytest.approx(103.0 * (1 - 2e-4), rel=1e-6) and win.real_exit == 102.95
    summary = summarise(trades, AcceptanceGate())
    assert summary.win_rate == 0.75 and summary.wilson is not None and summary.wilson[0] < 0.75 < summary.wilson[1]
    assert summary.slippage_error_mean_bps == pytest.approx((3 * 2.0 - 1.0) / 4)
    assert summary.slippage_error_median_bps == pytest.approx(2.0)
    assert not summary.verdict.passed


def test_entry_fills_are_compared_with_the_paper_models(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/risk.db"
    _book(url, won=2, lost=1, entries=True)
    result = _run(url, "--json")
    payload = json.loads(result.output)
    trade = payload["trades"][0]
    # the paper model opens at 100 plus half the 2 bps spread and the 1 bps expected slippage
    assert trade["simulated_entry"] == pytest.approx(100.0 * (1 + 2e-4), rel=1e-9) and trade["real_entry"] == 100.06
    assert trade["entry_slippage_bps"] == 5.0 and trade["entry_latency_ms"] == 90.0
    assert payload["entry_slippage_error_mean_bps"] == pytest.approx(4.0)
    text = _run(url).output
    assert "entry real 100.06 vs paper 100.02" in text and "entry slippage error (real - expected): mean 4.0 bps" in text


def test_rows_without_entry_fills_say_n_a(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/risk.db"
    _book(url, won=1, lost=0)
    payload = json.loads(_run(url, "--json").output)
    assert payload["trades"][0]["simulated_entry"] is None and payload["entry_slippage_error_mean_bps"] is None
    assert "entry real n/a vs paper n/a" in _run(url).output


def test_the_gate_passes_at_68_percent_over_100_trades(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/risk.db"
    _book(url, won=70, lost=30)
    result = _run(url, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["count"] == 100 and payload["win_rate"] == 0.7 and payload["gate"]["verdict"] == "passed"
    assert payload["trades"][0]["latency_ms"] == 85.0


@pytest.mark.parametrize(("won", "lost", "reason"), [(60, 40, "win rate"), (50, 10, "trades")])
def test_the_gate_fails_on_the_win_rate_or_too_few_trades(tmp_path: Path, won: int, lost: int, reason: str) -> None:
    url = f"sqlite:///{tmp_path}/risk.db"
    _book(url, won=won, lost=lost)
    result = _run(url, "--json")
    assert result.exit_code == 1
    reasons = json.loads(result.output)["gate"]["reasons"]
    assert len(reasons) == 1 and reason in reasons[0]


def test_no_live_trades_says_so_and_exits_1(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/risk.db"
    _book(url, won=0, lost=0, dryrun=3)
    result = _run(url)
    assert result.exit_code == 1 and "no live trades" in result.output


def test_a_row_that_is_not_a_trade_is_bad_input_naming_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/risk.db"
    _book(url, won=2, lost=0)
    engine = create_engine(url)
    with engine.begin() as connection:  # a row damaged outside the repositories
        connection.execute(sa.update(risk_book).where(risk_book.c.signal_id == "S1").values(exit_price=-1.0))
    engine.dispose()
    result = _run(url, "--json")
    assert result.exit_code == 2 and "S1" in result.output and "real_exit" in result.output


def test_exec_measure_takes_the_live_fills_as_its_slippage(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/risk.db"
    _book(url, won=3, lost=1, dryrun=2)  # live closing slippage 3, 3, 3, 0 bps; dry-run rows must not count
    quotes = tmp_path / "q.csv"
    quotes.write_text("timestamp,symbol,ask_size,ask,bid_size,bid,timestamp_ms\n"
                      + "".join(f"x,ETH/USDT,1,{2000 + i * 0.1 + 0.2},1,{2000 + i * 0.1},{1610064001076 + i}\n"
                                for i in range(150)))
    env = {"DATABASE_URL": url, "NOTIFIER": "console", "LOG_LEVEL": "WARNING"}
    args = ["exec", "measure", str(quotes), "--data-dir", str(tmp_path / "data"), "--min-samples", "1", "--json"]
    result = CliRunner().invoke(cli, [*args, "--risk-book"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert any("4 live risk-book fills" in note for note in payload["notes"])
    with_entries = tmp_path / "entries.db"
    _book(f"sqlite:///{with_entries}", won=3, lost=1, entries=True)
    both = CliRunner().invoke(cli, [*args, "--risk-book"], env={**env, "DATABASE_URL": f"sqlite:///{with_entries}"},
                              catch_exceptions=False)
    assert any("8 live risk-book fills" in note for note in json.loads(both.output)["notes"])
    # exits 08:30-11:30 UTC on Friday 1 March: all in London, the 08:30 loss (0 bps) also in Tokyo
    london, tokyo = (payload["pairs"]["BTC"][s]["slippage_bps"] for s in ("london", "tokyo"))
    assert (london["basis"], london["count"], london["mean"]) == ("measured", 4, 2.25)
    assert (tokyo["count"], tokyo["mean"]) == (1, 0.0)
    without = json.loads(CliRunner().invoke(cli, args, env=env, catch_exceptions=False).output)
    assert any("no fills measured yet" in note for note in without["notes"]) and "BTC" not in without["pairs"]
