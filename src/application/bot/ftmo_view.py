"""/ftmo_status: the guarded account as the FTMO rules see it, from the guard state the runtime
saved last: balance, equity, the day's FTMO and internal floors with the headroom to each, the
Prague day, trading days so far and the way to the profit target."""

from __future__ import annotations

from application.bot.text import minute, money, tagged
from domain.risk import RiskSettings, account_status, progress
from domain.risk.emission import GuardState
from domain.risk.rules import target_balance
from domain.signals.signal import Mode

NO_STATE = "No account state is saved yet: the runtime has not scanned."


def ftmo_text(mode: Mode, state: GuardState | None, risk: RiskSettings, account_name: str) -> str:
    if state is None or state.as_of is None:
        return tagged(mode, f"FTMO status ({account_name}): {NO_STATE}")
    status = account_status(state.account, state.as_of, risk)
    account, floors = status.account, status.floors
    ruleset = risk.ruleset
    equity = account.equity
    lines = [tagged(mode, f"FTMO status: {ruleset.name.value}, account {account_name}"),
             f"Prague day {account.day.isoformat()} (as of {minute(state.as_of)})",
             f"Balance {money(account.balance)} · Equity {money(equity)} · {len(account.positions)} open",
             f"Day-start balance {money(account.day_start_balance)}",
             "Floors today, headroom from equity:"]
    for label, level in (("FTMO daily", floors.daily), ("FTMO max loss", floors.total),
                         ("internal daily", floors.internal_daily), ("internal total", floors.internal_total)):
        lines.append(f"  {label}: {money(level)} ({money(equity - level)})")
    if status.crossed:
        lines.append("CROSSED: " + "; ".join(reason.message for reason in status.crossed))
    objectives = progress(account, ruleset)
    lines.append(f"Trading days: {objectives.trading_days} of {ruleset.min_trading_days} minimum")
    target = target_balance(account.initial_balance, ruleset.profit_targets_pct[0])
    share = (account.balance - account.initial_balance) / (target - account.initial_balance)
    to_go = ", reached" if objectives.target_reached else f", {money(max(0.0, target - account.balance))} to go"
    lines.append(f"Target {money(target)} (+{ruleset.profit_targets_pct[0]:g}%): {share:.1%} of the way{to_go}")
    return "\n".join(lines)
