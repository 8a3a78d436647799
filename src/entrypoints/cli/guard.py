"""`tradeai guard`: the runtime controls (kill switch, tier thresholds, rate limits) and the state
of the account the FTMO guard protects.

A change is stored in the risk book's database with who made it and why; a running runtime reads
it before its next scan. Exit codes: 0 ok, 1 the store cannot be reached, 2 bad usage.
"""

from __future__ import annotations

import getpass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import click

from entrypoints.cli.common import EXIT_USAGE, echo_json, fail, settings_from_context

if TYPE_CHECKING:
    from application.runtime.scan_outcome import Controls
    from entrypoints.container import StoreContainer
    from entrypoints.settings import Settings



def _open(ctx: click.Context) -> tuple[Settings, StoreContainer]:
    from domain.security.redaction import mask_url
    from entrypoints.container import build_container
    from entrypoints.store_wait import store_error

    settings = settings_from_context(ctx).settings
    store = build_container(settings).store()
    try:
        store.upgraded_engine()
    except Exception as exc:  # the database is down or the URL is wrong
        fail(f"cannot open the store at {mask_url(settings.store.url)}: {store_error(exc)}")
    return settings, store


def _controls(settings: Settings, store: StoreContainer) -> Controls:
    from application.runtime.controls import current_controls
    from entrypoints.runtime_main import default_controls

    return current_controls(default_controls(settings), store.control_repository(), settings.guards.kill_switch)


@click.group()
def guard() -> None:
    """Kill switch, thresholds and the guarded account."""


def _change(ctx: click.Context, key: str, value: str, reason: str, changed_by: str | None, as_json: bool) -> None:
    from application.runtime.controls import ControlError, set_control

    settings, store = _open(ctx)
    try:
        set_control(store.control_repository(), _controls(settings, store), key, value,
                    changed_by=changed_by or getpass.getuser(), now=datetime.now(UTC), reason=reason)
    except ControlError as exc:
        fail(str(exc), EXIT_USAGE)
    after = _controls(settings, store)
    if as_json:
        echo_json(_controls_payload(after))
        return
    click.echo(f"{key} = {value.strip()} (stored; a running runtime applies it at its next scan)")
    if key == "kill_switch" and after.kill_switch and settings.guards.kill_switch:
        click.echo("note: KILL_SWITCH=true in the settings keeps the switch on", err=True)


@guard.command("kill-switch")
@click.argument("state", type=click.Choice(["on", "off"], case_sensitive=False))
@click.option("--reason", default="", help="Why; stored with the change and shown in alerts.")
@click.option("--by", "changed_by", default=None, help="Who made the change (default: the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print the controls after the change as JSON.")
@click.pass_context
def kill_switch(ctx: click.Context, state: str, reason: str, changed_by: str | None, as_json: bool) -> None:
    """Stop (on) or resume (off) every emission."""
    _change(ctx, "kill_switch", state, reason, changed_by, as_json)


@guard.command("set")
@click.argument("key")
@click.argument("value")
@click.option("--reason", default="", help="Why; stored with the change.")
@click.option("--by", "changed_by", default=None, help="Who made the change (default: the OS user).")
@click.option("--json", "as_json", is_flag=True, help="Print the controls after the change as JSON.")
@click.pass_context
def set_value(ctx: click.Context, key: str, value: str, reason: str, changed_by: str | None, as_json: bool) -> None:
    """Set KEY (tier_high, tier_medium, tier_low, max_signals_per_hour, max_signals_per_hour_high)."""
    _change(ctx, key, value, reason, changed_by, as_json)


def _controls_payload(controls: Any) -> dict[str, Any]:
    return {"kill_switch": controls.kill_switch, "kill_switch_reason": controls.kill_switch_reason,
            "tier_high": controls.thresholds.high, "tier_medium": controls.thresholds.medium,
            "tier_low": controls.thresholds.low, "max_signals_per_hour": controls.max_signals_per_hour,
            "max_signals_per_hour_high": controls.max_signals_per_hour_high}


def _account_payload(state: Any, settings: Any) -> dict[str, Any] | None:
    from domain.risk import account_status
    from entrypoints.settings.domain_config import risk_settings

    if state is None:
        return None
    account = state.account
    status = account_status(account, state.as_of or datetime.now(UTC), risk_settings(settings))
    floors = status.floors
    return {"as_of": state.as_of.isoformat() if state.as_of else None, "balance": round(account.balance, 2),
            "equity": round(account.equity, 2), "day": account.day.isoformat(),
            "day_start_balance": round(account.day_start_balance, 2),
            "open_positions": [p.position_id for p in account.positions],
            "daily_floor": round(floors.daily, 2), "total_floor": round(floors.total, 2),
            "internal_daily_floor": round(floors.internal_daily, 2),
            "internal_total_floor": round(floors.internal_total, 2),
            "crossed": [str(r) for r in status.crossed], "signals_last_hour": len(state.emissions)}


@guard.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """The controls in force, their recent changes and the guarded account."""
    settings, store = _open(ctx)
    controls = _controls(settings, store)
    changes = store.control_repository().history(limit=10)
    state = store.risk_book().load_state()
    payload: dict[str, Any] = {
        "account_name": store.account(), "controls": _controls_payload(controls),
        "account": _account_payload(state, settings),
        "changes": [{"key": c.key, "value": c.value, "by": c.changed_by, "at": c.changed_at.isoformat(),
                     "reason": c.reason} for c in changes]}
    if as_json:
        echo_json(payload)
        return
    for key, value in payload["controls"].items():
        click.echo(f"{key:28} {value}")
    account = payload["account"]
    click.echo(f"account ({payload['account_name']}): " + ("no state saved yet" if account is None else
               f"balance {account['balance']:,.2f}, equity {account['equity']:,.2f}, internal daily floor "
               f"{account['internal_daily_floor']:,.2f}, open {len(account['open_positions'])}"))
    for change in payload["changes"]:
        click.echo(f"  {change['at']}  {change['key']} = {change['value']}  by {change['by']}  {change['reason']}")
