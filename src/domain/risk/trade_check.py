"""The FTMO guard: may this trade be taken on this account now, and how large?

A trade is denied when being stopped out (with commission and p90 spread and slippage), on top of
the open positions reaching their own stops, could take equity below either internal floor. The
check also reports floors equity has already crossed: then open positions must be closed.
"""

from __future__ import annotations

import math
from datetime import datetime

import attrs

from domain.execution.instruments import Instruments
from domain.market.candles import Direction, Pair
from domain.risk.account import Account, roll_to
from domain.risk.decisions import Decision, Reason, Rule, decide
from domain.risk.inputs import account_checks, problems, settings_checks, trade_checks
from domain.risk.rules import Floors, RiskSettings, crossed_floors, floors
from domain.risk.sizing import SizingSettings, open_risk, size_position


@attrs.frozen
class TradeCandidate:
    """``size`` in lots; None asks the guard to size the trade itself."""

    pair: Pair
    direction: Direction
    entry: float
    stop: float
    size: float | None = None

    def __attrs_post_init__(self) -> None:
        if not (self.entry > 0 and self.stop > 0):
            raise ValueError(f"{self.pair}: entry and stop must be > 0, got {self.entry}, {self.stop}")
        if self.direction.sign * (self.entry - self.stop) <= 0:
            raise ValueError(f"{self.pair}: stop {self.stop} is on the wrong side of entry {self.entry} "
                             f"for a {self.direction.value} trade")
        if self.size is not None and not self.size > 0:
            raise ValueError(f"{self.pair}: size must be > 0 lots, got {self.size}")


@attrs.frozen
class RiskCheck:
    """The answer with everything behind it. ``account`` is the one checked, rolled to ``now``;
    ``worst_equity`` is equity after the open stops and this trade's stop-out at ``size``."""

    decision: Decision
    account: Account
    floors: Floors
    open_risk: float
    size: float
    max_size: float
    suggested_size: float
    worst_equity: float
    crossed: tuple[Reason, ...]

    @property
    def must_close(self) -> bool:
        """Equity is already past a floor: block new trades and close the open ones."""
        return bool(self.crossed)


@attrs.frozen
class AccountStatus:
    """The account against its floors at ``now``, with no trade in view: for every scan."""

    account: Account
    floors: Floors
    crossed: tuple[Reason, ...]

    @property
    def must_close(self) -> bool:
        return bool(self.crossed)

    @property
    def breached(self) -> bool:
        """A hard FTMO floor is crossed: the challenge has failed."""
        return any(r.rule in (Rule.FTMO_DAILY_LOSS, Rule.FTMO_MAX_LOSS) for r in self.crossed)


def account_status(account: Account, now: datetime, settings: RiskSettings) -> AccountStatus:
    rolled = roll_to(account, now)
    levels = floors(rolled, settings)
    return AccountStatus(rolled, levels, crossed_floors(rolled.equity, levels))


def _is_multiple(value: float, step: float) -> bool:
    return abs(value / step - round(value / step)) < 1e-6


def _invalid(account: Account, levels: Floors, at_risk: float, invalid: tuple[Reason, ...]) -> RiskCheck:
    """Fail closed: no size, no floor reported as crossed (they cannot be measured), only the reasons."""
    return RiskCheck(decide(invalid), account, levels, at_risk, 0.0, 0.0, 0.0, account.equity - at_risk, ())


def input_problems(candidate: TradeCandidate, account: Account, settings: RiskSettings,
                   instruments: Instruments, sizing: SizingSettings, risk_multiplier: float) -> tuple[Reason, ...]:
    """Every number the decision reads that is not finite or not possible, named."""
    return problems([*trade_checks(candidate.entry, candidate.stop, candidate.size), *account_checks(account),
                     *settings_checks(settings, sizing, instruments),
                     ("risk_multiplier", risk_multiplier, "fraction")])


def check_trade(candidate: TradeCandidate, account: Account, now: datetime, settings: RiskSettings,
                instruments: Instruments, sizing: SizingSettings | None = None,
                risk_multiplier: float = 1.0) -> RiskCheck:
    sizing = sizing or SizingSettings()
    account = roll_to(account, now)
    levels = floors(account, settings)
    invalid = input_problems(candidate, account, settings, instruments, sizing, risk_multiplier)
    if invalid:
        return _invalid(account, levels, 0.0, invalid)
    at_risk = open_risk(account, instruments)
    crossed = crossed_floors(account.equity, levels)
    reasons = list(crossed)
    spec = instruments.find(candidate.pair)
    if spec is None:
        reasons.append(Reason(Rule.INSTRUMENT, f"no instrument spec for {candidate.pair}: cannot size or cost it"))
        return RiskCheck(decide(reasons), account, levels, at_risk, 0.0, 0.0, 0.0, account.equity - at_risk, crossed)

    headroom = _headroom(account, at_risk, levels)
    sized = size_position(spec=spec, direction=candidate.direction, entry=candidate.entry, stop=candidate.stop,
                          balance=account.balance, headroom=headroom, settings=sizing,
                          risk_multiplier=risk_multiplier)
    size = candidate.size if candidate.size is not None else sized.suggested_size
    if candidate.size is not None:
        if size > spec.max_lots:
            reasons.append(Reason(Rule.MAX_LOTS, f"{size} lots exceeds the maximum of {spec.max_lots} per trade"))
        if size < spec.min_lots or not _is_multiple(size, spec.lot_step):
            reasons.append(Reason(Rule.LOT_STEP, f"{size} lots is not a multiple of {spec.lot_step} "
                                                 f"of at least {spec.min_lots}"))
    elif size == 0:
        reasons.append(Reason(Rule.SIZING, f"no size fits: a stop-out costs {sized.loss_per_lot:,.2f} per lot, "
                                           f"risk budget {sized.risk_budget:,.2f}, headroom to the internal floor "
                                           f"{headroom:,.2f}, minimum {spec.min_lots} lots"))

    loss = spec.stop_out_loss(candidate.direction, candidate.entry, candidate.stop, size) if size else 0.0
    worst = account.equity - at_risk - loss
    # Finite inputs can still overflow (1e308 lots of notional): what the decision rests on must be finite too.
    overflow = problems([("computed open risk", at_risk, "non_negative"), ("computed worst equity", worst, "any"),
                         ("computed headroom", headroom, "any"), *((f"computed floor {k}", v, "any")
                                                                    for k, v in attrs.asdict(levels).items())])
    if overflow:
        return _invalid(account, levels, at_risk, overflow)
    already = {r.rule for r in reasons}
    for rule, floor, label in (
        (Rule.INTERNAL_DAILY_LOSS, levels.internal_daily, "internal daily"),
        (Rule.INTERNAL_TOTAL_LOSS, levels.internal_total, "internal total"),
    ):
        if size and worst < floor and rule not in already:
            reasons.append(Reason(rule, f"a stop-out at {candidate.stop:g} with {size} lots and p90 costs (plus open "
                                        f"stops) takes equity to {worst:,.2f}, below the {label} floor {floor:,.2f}; "
                                        f"largest size allowed {sized.max_size} lots"))
    return RiskCheck(decide(reasons), account, levels, at_risk, size, sized.max_size, sized.suggested_size,
                     worst, crossed)


def _headroom(account: Account, at_risk: float, levels: Floors) -> float:
    return account.equity - at_risk - levels.internal


def unsizable_beyond(account: Account, now: datetime, pair: Pair, settings: RiskSettings,
                     instruments: Instruments) -> float:
    """The minimum-lot stop-out loss (sizing.MinLotStopOut) beyond which ``check_trade`` must find
    no size for a new ``pair`` trade at ``now``: more than the headroom to the internal floor cannot
    be risked. -inf when no trade can be sized (no headroom, no spec, or an unreadable number, which
    check_trade denies). The backtest uses it to leave out scans whose denial is certain."""
    if instruments.find(pair) is None:
        return -math.inf
    account = roll_to(account, now)
    headroom = _headroom(account, open_risk(account, instruments), floors(account, settings))
    if not math.isfinite(headroom) or headroom <= 0:
        return -math.inf
    # a relative margin far above float noise: a near tie is left to the real check
    return headroom * (1 + 1e-6)
