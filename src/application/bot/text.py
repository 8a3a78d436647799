"""Small pieces of the bot's replies: the DRY-RUN tag, numbers, rates with their intervals."""

from __future__ import annotations

from datetime import datetime

from domain.evaluation.figures import MIN_TRADES, Rate
from domain.signals.signal import Mode
from domain.stats.outcomes import Performance

DRY_RUN_TAG = "[DRY-RUN]"


def tagged(mode: Mode, text: str) -> str:
    """Every reply that reports a figure says so when the figures are not live money."""
    return f"{DRY_RUN_TAG} {text}" if mode is Mode.DRYRUN else text


def mode_name(mode: Mode) -> str:
    return "DRY-RUN" if mode is Mode.DRYRUN else "LIVE"


def money(value: float) -> str:
    return f"{value:,.2f}"


def minute(value: datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M} UTC"


def performance(p: Performance) -> str:
    """'12 trades · won 5: 41.7% (95% CI 19.3-68.0%) · avg -0.10R · few trades'."""
    if not p.count:
        return "no closed trades"
    rate = Rate(p.wins, p.count)
    low, high = rate.interval or (0.0, 1.0)
    text = (f"{p.count} trades · won {p.wins}: {p.wins / p.count:.1%} (95% CI {low:.1%}-{high:.1%})"
            f" · avg {(p.avg_r or 0.0):+.2f}R")
    return text + (" · few trades" if p.count < MIN_TRADES else "")
