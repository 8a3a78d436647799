"""The main job's log on real candles reads by level: routine denials below warning and rolled up
per market hour, alerts at most once per kind, pair and hour even with the kill switch on, and
the summary in words at the end of a run without --json."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from tests.integration.runtime.test_guarded_run import events
from tests.integration.runtime.test_run_replay import WINDOW, run_cli

pytestmark = pytest.mark.shared_data

ROUTINE = {"sizing", "rate_limit", "rate_limit_tier", "lot_step", "max_lots", "instrument"}


def test_routine_denials_are_not_warnings_and_are_rolled_up_per_hour(spot_1m_dir: Path, tmp_path: Path) -> None:
    result = run_cli(["run", "--replay", str(spot_1m_dir), "--json", *WINDOW],
                     {"DATABASE_URL": f"sqlite:///{tmp_path}/book.db", "LOG_LEVEL": "DEBUG"}, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    summary, logged = json.loads(result.stdout), events(result.stderr)
    denials = [e for e in logged if e["event"] == "signal_denied"]
    assert len(denials) == summary["counts"]["denied"] > 0
    assert all(e["level"] == "debug" for e in denials if set(e["rules"]) <= ROUTINE)
    # the one warning: no execution metrics in this fresh folder, so the placeholder costs stand
    assert [e["event"] for e in logged if e["level"] in ("warning", "error")] == ["execution_costs_are_placeholders"]
    rollups = [e for e in logged if e["event"] == "hourly_rollup"]
    assert [r["hour"][11:13] for r in rollups] == ["00", "01", "02", "03", "04", "05", "06"]
    assert all(r["level"] == "info" for r in rollups)
    by_rule: Counter[str] = sum((Counter(r["denials"]) for r in rollups), Counter())
    assert by_rule == summary["denials"]
    assert sum(sum(r["denied_pairs"].values()) for r in rollups) == summary["counts"]["denied"]


def test_with_the_kill_switch_on_alerts_are_logged_once_per_kind_pair_and_hour(spot_1m_dir: Path,
                                                                                tmp_path: Path) -> None:
    result = run_cli(["run", "--replay", str(spot_1m_dir), "--json", *WINDOW],
                     {"DATABASE_URL": f"sqlite:///{tmp_path}/book.db", "KILL_SWITCH": "true"}, tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    summary, logged = json.loads(result.stdout), events(result.stderr)
    alerts = [e for e in logged if e["event"] == "alert"]
    per_hour = Counter((e["kind"], e["pair"], datetime.fromisoformat(e["at"]).strftime("%Y-%m-%d %H")) for e in alerts)
    assert alerts and max(per_hour.values()) == 1
    assert len(alerts) + summary["alerts_suppressed"]["kill_switch_attempt"] == summary["alerts"]["kill_switch_attempt"]
    assert result.stderr.count("KILL SWITCH") == len(alerts)  # the messages sent are the alerts logged
    levels = Counter(e["level"] for e in logged)
    # one denial warns per alert logged, plus the start's warning that the costs are placeholders
    assert levels["warning"] - 1 == len(alerts) == levels["error"]
    assert levels["info"] <= 3 + 7  # start, seed and stop lines, one roll-up per market hour


def test_without_json_the_run_ends_with_its_summary_in_words(spot_1m_dir: Path, tmp_path: Path) -> None:
    result = run_cli(["run", "--replay", str(spot_1m_dir), *WINDOW], {"DATABASE_URL": f"sqlite:///{tmp_path}/b.db"},
                     tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    signals, summary = result.stdout.rsplit("\n\n", 1)
    assert signals.startswith("[DRY-RUN]")
    assert summary.startswith("181 scans from 2021-07-09 00:00 to 2021-07-09 06:00 UTC (dryrun): ")
    assert "\n  denied: " in summary and "\n  account: balance " in summary
    assert "\r" not in result.stderr  # no progress line where stderr is not a terminal
