"""`tradeai risk check`: a what-if for traders. Given an account and a candidate signal, print the
guard's decision with every reason, the day's FTMO and internal floors, and the largest size
allowed.

The scenario goes through the same ``evaluate_emission`` as the runtime, so the answer here is
the answer the runtime would give. Exit codes: 0 when the check ran (allowed or denied: a denial
is an answer, not a failure), 2 when the scenario file is missing or invalid.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, NoReturn

import click

from domain.risk.emission import EmissionDecision, evaluate_emission
from entrypoints.cli.common import EXIT_OK, EXIT_USAGE, echo_json
from entrypoints.cli.risk_scenario import Scenario, ScenarioError, load_scenario

# ---------------------------------------------------------------- output


def report(scenario: Scenario, decision: EmissionDecision) -> dict[str, Any]:
    risk = decision.risk
    account, levels = risk.account, risk.floors
    return {
        "allowed": decision.allowed,
        "reasons": [{"rule": str(r.rule), "message": r.message} for r in decision.reasons],
        "alerts": [{"kind": str(a.kind), "message": a.message} for a in decision.alerts],
        "must_close": decision.must_close,
        "ruleset": str(scenario.config.risk.ruleset.name),
        "now": scenario.now.isoformat(),
        "trading_day": account.day.isoformat(),
        "balance": round(account.balance, 2),
        "equity": round(account.equity, 2),
        "day_start_balance": round(account.day_start_balance, 2),
        "open_risk": round(risk.open_risk, 2),
        "daily_floor": round(levels.daily, 2),
        "total_floor": round(levels.total, 2),
        "internal_daily_floor": round(levels.internal_daily, 2),
        "internal_total_floor": round(levels.internal_total, 2),
        "size": risk.size,
        "max_size": risk.max_size,
        "suggested_size": risk.suggested_size,
        "worst_equity": round(risk.worst_equity, 2),
        "risk_multiplier": decision.risk_multiplier,
    }


def _echo_text(scenario: Scenario, out: dict[str, Any]) -> None:
    c = scenario.candidate
    size = f"{c.size} lots" if c.size is not None else "sized by the guard"
    if scenario.description:
        click.echo(scenario.description)
    click.echo(f"Signal:   {c.pair} {c.direction.value} entry {c.entry:g} stop {c.stop:g} ({c.tier.value}, {size})")
    click.echo(f"Account:  {out['ruleset']}, balance {out['balance']:,.2f}, equity {out['equity']:,.2f}, "
               f"day-start balance {out['day_start_balance']:,.2f} (Prague day {out['trading_day']})")
    click.echo(f"Decision: {'ALLOWED' if out['allowed'] else 'DENIED'}")
    for r in out["reasons"]:
        click.echo(f"  - {r['rule']}: {r['message']}")
    for a in out["alerts"]:
        click.echo(f"  ! alert {a['kind']}: {a['message']}")
    if out["must_close"]:
        click.echo("  ! equity is past a floor: close the open positions")
    click.echo(f"Floors for {out['trading_day']}:")
    click.echo(f"  FTMO daily       {out['daily_floor']:>14,.2f}")
    click.echo(f"  FTMO max loss    {out['total_floor']:>14,.2f}")
    click.echo(f"  internal daily   {out['internal_daily_floor']:>14,.2f}")
    click.echo(f"  internal total   {out['internal_total_floor']:>14,.2f}")
    click.echo(f"Open positions' risk to their stops: {out['open_risk']:,.2f}")
    click.echo(f"Largest size allowed: {out['max_size']} lots; at {scenario.config.sizing.risk_per_trade_pct} % "
               f"risk per trade: {out['suggested_size']} lots")
    if out["size"]:
        click.echo(f"Equity if stopped out at {out['size']} lots with p90 costs: {out['worst_equity']:,.2f}")


def _fail(problems: list[str]) -> NoReturn:
    click.echo("error: invalid scenario:", err=True)
    for problem in problems:
        click.echo(f"  - {problem}", err=True)
    sys.exit(EXIT_USAGE)


@click.group()
def risk() -> None:
    """FTMO risk book: what-if checks of a signal against an account."""


@risk.command()
@click.option("--scenario", "scenario_path", required=True,
              type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSON what-if: account, candidate signal, optional settings (see examples/risk_scenario.json).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
def check(scenario_path: Path, as_json: bool) -> None:
    """Would the guard let this signal through? Exit 0 when the check ran (allowed or denied)."""
    try:
        scenario = load_scenario(scenario_path)
    except ScenarioError as exc:
        _fail([p if p.startswith(str(scenario_path)) else f"{scenario_path}: {p}" for p in exc.problems])
    decision = evaluate_emission(scenario.candidate, scenario.state, scenario.now, scenario.config)
    out = report(scenario, decision)
    if as_json:
        echo_json(out)
    else:
        _echo_text(scenario, out)
    sys.exit(EXIT_OK)
