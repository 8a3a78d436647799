"""`tradeai microlot report`: the live (MICRO_LOT) trades' real fills against the paper model, and
the acceptance gate over them. Exit codes: 0 gate passed, 1 gate not passed (too few trades or the
win rate), 2 bad input (an unreadable store or row, bad settings)."""

from __future__ import annotations

from typing import Any

import click

from entrypoints.cli.common import (
    EXIT_FAILURE,
    EXIT_OK,
    EXIT_USAGE,
    echo_json,
    fail,
    json_option,
    settings_from_context,
)


@click.group()
def microlot() -> None:
    """Micro-lot live trading: real fills against the paper model. Exit codes: 0 gate passed,
    1 gate not passed, 2 bad input."""


@microlot.command()
@json_option
@click.pass_context
def report(ctx: click.Context, as_json: bool) -> None:
    """Per closed live trade of the risk book: the paper model's entry and exit fills against the
    broker's, realised R, time to TP/SL and the orders' latency; overall the win rate (Wilson 95 %),
    the slippage model's error on entries and exits (real minus expected, bps) and the acceptance gate."""
    from adapters.sql.live_trades import LiveTradesError, read_live_trades
    from domain.evaluation.microlot import summarise
    from entrypoints.container import build_container
    from entrypoints.settings.domain_config import gates

    settings = settings_from_context(ctx).settings
    try:
        trades = read_live_trades(build_container(settings).store().upgraded_engine())
    except LiveTradesError as exc:
        fail(str(exc), EXIT_USAGE)
    summary = summarise(trades, gates(settings).acceptance)
    payload: dict[str, Any] = {
        "trades": [{"signal_id": t.signal_id, "pair": t.pair, "direction": t.direction.value,
                    "result": "W" if t.won else "L",
                    "simulated_entry": t.simulated_entry, "real_entry": t.real_entry,
                    "entry_slippage_bps": t.entry_slippage_bps, "entry_latency_ms": t.entry_latency_ms,
                    "simulated_exit": t.simulated_exit, "real_exit": t.real_exit,
                    "slippage_bps": t.slippage_bps, "slippage_expected_bps": t.slippage_expected_bps,
                    "r_realized": t.r_realized, "time_to_tp_sl_seconds": t.time_to_tp_sl_seconds,
                    "latency_ms": t.latency_ms} for t in trades],
        "count": summary.trades, "wins": summary.wins, "win_rate": summary.win_rate,
        "win_rate_wilson95": list(summary.wilson) if summary.wilson else None,
        "slippage_error_mean_bps": summary.slippage_error_mean_bps,
        "slippage_error_median_bps": summary.slippage_error_median_bps,
        "entry_slippage_error_mean_bps": summary.entry_slippage_error_mean_bps,
        "entry_slippage_error_median_bps": summary.entry_slippage_error_median_bps,
        "gate": summary.verdict.as_dict(),
    }
    if as_json:
        echo_json(payload)
    else:
        _echo_text(payload)
    ctx.exit(EXIT_OK if summary.verdict.passed else EXIT_FAILURE)


def _echo_text(p: dict[str, Any]) -> None:
    if not p["trades"]:
        click.echo("no live trades in the risk book yet (mode live, closed): nothing to measure")
    for t in p["trades"]:
        click.echo(f"{t['signal_id']} {t['result']} entry real {_price(t['real_entry'])} vs paper "
                   f"{_price(t['simulated_entry'])} exit real {_price(t['real_exit'])} vs paper "
                   f"{_price(t['simulated_exit'])} R {t['r_realized']:+.2f} "
                   f"held {_opt(t['time_to_tp_sl_seconds'], 's')} "
                   f"latency {_opt(t['entry_latency_ms'], 'ms')} / {_opt(t['latency_ms'], 'ms')}")
    if p["trades"]:
        low, high = p["win_rate_wilson95"]
        click.echo(f"win rate {p['win_rate']:.1%} ({p['wins']}/{p['count']}), Wilson 95 % [{low:.1%}, {high:.1%}]")
        for side, key in (("entry", "entry_slippage_error"), ("exit", "slippage_error")):
            click.echo(f"{side} slippage error (real - expected): mean {_opt(p[f'{key}_mean_bps'], ' bps')}, "
                       f"median {_opt(p[f'{key}_median_bps'], ' bps')}")
    gate = p["gate"]
    click.echo(f"acceptance gate: {gate['verdict']}" + "".join(f"\n  {r}" for r in gate.get("reasons", [])))


def _price(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.5g}"


def _opt(value: float | None, unit: str) -> str:
    return "n/a" if value is None else f"{value:.1f}{unit}"
