"""/stats [7|30] [dryrun|live]: the risk book's closed trades by tier, session and model, each win
rate with its Wilson 95 % interval. One mode per reply: dry-run and live are never mixed."""

from __future__ import annotations

from datetime import datetime

from application.bot.text import mode_name, performance, tagged
from application.stats.ports import PatternRepository, PerformanceQueries
from application.stats.report import build_stats
from domain.signals.signal import Mode, Tier
from domain.stats.outcomes import Performance

WINDOWS = (7, 30)
USAGE = "Usage: /stats [7|30] [dryrun|live] (default: 7 days, the mode in force)"


class StatsUsage(ValueError):
    """Arguments /stats does not take."""


def parse_stats_args(args: list[str], mode: Mode) -> tuple[int, Mode]:
    days, chosen = WINDOWS[0], mode
    for arg in args:
        word = arg.strip().lower()
        if word.isdigit() and int(word) in WINDOWS:
            days = int(word)
        elif word in ("dryrun", "dry-run", "live"):
            chosen = Mode.LIVE if word == "live" else Mode.DRYRUN
        else:
            raise StatsUsage(f"/stats does not take {arg!r}. {USAGE}")
    return days, chosen


def stats_text(queries: PerformanceQueries, patterns: PatternRepository, now: datetime, days: int,
               mode: Mode) -> str:
    report = build_stats(queries, patterns, now, windows_days=(days,), mode=mode)
    window = report.windows[0]
    lines = [tagged(mode, f"Stats: last {days} days, {mode_name(mode)} only"),
             f"Closed trades by entry time, up to {now:%Y-%m-%d %H:%M} UTC",
             f"All: {performance(window.overall)}", "By tier:"]
    lines += [f"  {tier.value}: {performance(window.by_tier.get(tier.value, Performance()))}" for tier in Tier]
    lines.append("By session:")
    lines += [f"  {name}: {performance(p)}" for name, p in report.by_session.items()]
    lines.append("By model:")
    lines += [f"  {name}: {performance(p)}" for name, p in sorted(report.by_model.items())]
    if window.overall.count == 0:
        lines.append("(no closed trades in this window)")
    return "\n".join(lines)
