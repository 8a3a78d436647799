"""What a person at a terminal sees of `tradeai run`: the signals on stdout, one progress line
rewritten on stderr, warnings only, and a readable summary; elsewhere the JSON events as before."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import structlog

from domain.market.candles import Direction
from entrypoints.container import build_container
from entrypoints.runtime_console import ProgressLine, describe_summary
from entrypoints.runtime_main import run_runtime
from entrypoints.settings import Settings
from tests.fakes.ports import FixedPredictor
from tests.fakes.series import random_walk, write_csv

START = datetime(2024, 3, 1, tzinfo=UTC)


class Screen(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(tmp_path: Path, stderr: io.StringIO, log_format: str = "auto") -> tuple[dict, str]:
    write_csv(str(tmp_path / "BTCUSDT.csv"), random_walk(START, 6 * 60))
    base = Settings()
    settings = attrs.evolve(base, pairs=("BTCUSDT",), store=attrs.evolve(base.store, url=f"sqlite:///{tmp_path}/t.db"),
                            candles=attrs.evolve(base.candles, replay_paths=(str(tmp_path),)),
                            log=attrs.evolve(base.log, format=log_format))
    container = build_container(settings)
    container.runtime().predictor.override(FixedPredictor(Direction.LONG, 0.75))
    stdout = io.StringIO()
    try:
        summary = run_runtime(settings, start=START + timedelta(hours=1), until=START + timedelta(hours=5),
                              json_output=False, root=container, stdout=stdout, stderr=stderr)
    finally:
        structlog.reset_defaults()
    return summary, stdout.getvalue()


def test_at_a_terminal_the_signals_show_with_a_progress_line_and_no_info_events(tmp_path: Path,
                                                                                monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    screen = Screen()
    summary, stdout = run(tmp_path, screen)
    assert summary["emitted"] > 0 and stdout.count("[DRY-RUN]") == summary["emitted"]
    shown = screen.getvalue()
    assert "\r\x1b[K2024-03-01 01:00 UTC" in shown and "scans ·" in shown and "denied" in shown
    for info_event in ("signal_emitted", "trade_closed", "hourly_rollup", "runtime_started", "seeded"):
        assert info_event not in shown
    assert shown.endswith("\r\x1b[K")  # the progress line is gone before the summary prints


def test_away_from_a_terminal_the_json_events_stay_on_stderr_without_a_progress_line(tmp_path: Path) -> None:
    log = io.StringIO()
    summary, stdout = run(tmp_path, log)
    events = [json.loads(line) for line in log.getvalue().splitlines()]
    assert "\r" not in log.getvalue()
    assert sum(e["event"] == "signal_emitted" for e in events) == summary["emitted"] > 0
    assert [e["hour"][11:16] for e in events if e["event"] == "hourly_rollup"] == ["01:00", "02:00", "03:00", "04:00",
                                                                                   "05:00"]
    assert stdout.count("[DRY-RUN]") == summary["emitted"]


def test_log_format_json_at_a_terminal_keeps_every_event(tmp_path: Path) -> None:
    screen = Screen()
    run(tmp_path, screen, log_format="json")
    assert '"event": "signal_emitted"' in screen.getvalue() and '"event": "hourly_rollup"' in screen.getvalue()


def test_the_progress_line_redraws_ten_times_a_second_at_most(monkeypatch) -> None:
    monkeypatch.setenv("COLUMNS", "120")
    screen, clock = Screen(), iter([0.0, 0.05, 0.2])
    progress = ProgressLine(screen, monotonic=lambda: next(clock))
    progress.window(START, START + timedelta(hours=2))
    report = attrs.make_class("Report", ["at", "pairs"])  # all a ScanReport gives the progress line
    for minutes in (0, 2, 60):
        progress.add(report(START + timedelta(minutes=minutes), ()))
    frames = screen.getvalue().split("\r\x1b[K")[1:]
    assert [f[:20] for f in frames] == ["2024-03-01 00:00 UTC", "2024-03-01 01:00 UTC"]
    assert frames[-1] == "2024-03-01 01:00 UTC (50% to 03-01 02:00) · 3 scans · 0 emitted · 0 denied"


def test_the_summary_reads_as_sentences() -> None:
    summary = {"scans": 720, "failed_scans": 0, "emitted": 0, "counts": {"below_tier": 809, "denied": 1021},
               "denials": {"kill_switch": 1021}, "alerts": {"kill_switch_attempt": 1021},
               "alerts_suppressed": {"kill_switch_attempt": 953}, "closed": {}, "first_scan": "2021-07-09T17:58:00+00:00",
               "last_scan": "2021-07-10T17:56:00+00:00", "stopped_early": False, "mode": "dryrun",
               "store": "sqlite:///data/tradeai.db",
               "account": {"balance": 100000.0, "equity": 100000.0, "day_start_balance": 100000.0, "open_positions": 0,
                           "daily_floor": 95000.0, "total_floor": 90000.0, "internal_daily_floor": 95500.0,
                           "internal_total_floor": 91000.0}}
    assert describe_summary(summary).splitlines() == [
        "720 scans from 2021-07-09 17:58 to 2021-07-10 17:56 UTC (dryrun): 0 signals recorded and announced",
        "  denied: 1,021 (kill_switch 1,021)",
        "  alerts: kill_switch_attempt 1,021 (68 logged and sent, 953 repeats within the hour only counted)",
        "  account: balance 100,000.00, equity 100,000.00, 0 open; floors: FTMO daily 95,000.00, FTMO max loss "
        "90,000.00, internal daily 95,500.00, internal total 91,000.00",
        "  other outcomes per pair-scan: below_tier 809",
        "  risk book: sqlite:///data/tradeai.db",
    ]
