"""The plan's gates as values: a model is promoted, a strategy accepted, a challenge attempted only
when its gate passes.

``check`` returns ``Passed`` or ``Failed``; a failure lists every condition it broke, not the
first, so one report says all that stands between a model and its promotion. Every check also
reads back what it compared (``checks``). A number that is not finite (NaN from an empty split,
an infinity) fails its condition closed, with a reason naming it. The thresholds are settings
(entrypoints.settings: the ``gates`` keys); the defaults are the plan's.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs

from domain.evaluation.figures import wilson_interval


@attrs.frozen
class Passed:
    gate: str
    checks: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return True

    def as_dict(self) -> dict[str, Any]:
        return {"gate": self.gate, "verdict": "passed", "reasons": [], "checks": list(self.checks)}


@attrs.frozen
class Failed:
    gate: str
    reasons: tuple[str, ...]
    checks: tuple[str, ...]

    @property
    def passed(self) -> bool:
        return False

    def as_dict(self) -> dict[str, Any]:
        return {"gate": self.gate, "verdict": "failed", "reasons": list(self.reasons), "checks": list(self.checks)}


@attrs.frozen
class NotRun:
    """A gate whose evidence does not exist yet (no challenge simulated): neither passed nor failed."""

    gate: str
    reason: str

    @property
    def passed(self) -> bool:
        return False

    def as_dict(self) -> dict[str, Any]:
        return {"gate": self.gate, "verdict": "not_run", "reasons": [self.reason], "checks": []}


Verdict = Passed | Failed


class _Checks:
    def __init__(self, gate: str) -> None:
        self._gate = gate
        self._items: list[tuple[bool, str]] = []

    def require(self, ok: bool, text: str) -> None:
        self._items.append((ok, text))

    def at_least(self, name: str, value: float | None, minimum: float) -> None:
        number = self._number(name, value)
        if number is not None:
            self.require(number >= minimum, f"{name} {number:.4g} {'>=' if number >= minimum else '<'} {minimum:g}")

    def at_most(self, name: str, value: float | None, maximum: float) -> None:
        number = self._number(name, value)
        if number is not None:
            self.require(number <= maximum, f"{name} {number:.4g} {'<=' if number <= maximum else '>'} {maximum:g}")

    def _number(self, name: str, value: float | None) -> float | None:
        """``value`` when a comparison can rest on it; otherwise the condition fails closed, named."""
        if value is None:
            self.require(False, f"{name} is missing (nothing to measure it on): fails closed")
            return None
        if not math.isfinite(value):
            self.require(False, f"{name} is {value!r}, not a finite number: fails closed")
            return None
        return float(value)

    def verdict(self) -> Verdict:
        checks = tuple(text for _, text in self._items)
        failed = tuple(text for ok, text in self._items if not ok)
        return Failed(self._gate, failed, checks) if failed else Passed(self._gate, checks)


def _share(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise ValueError(f"{attribute.name} must be a share within [0, 1], got {value!r}")


def _count(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{attribute.name} must be a whole number >= 1, got {value!r}")


@attrs.frozen
class PromotionGate:
    """A trained model is promoted only with validation accuracy >= ``min_accuracy`` on every coin,
    measured on a time split (never a shuffled one: it leaks the future), a tier calibration MAE
    (domain.evaluation.calibration) <= ``max_calibration_error``, and the leakage check passed."""

    min_accuracy: float = attrs.field(default=0.68, converter=float, validator=_share)
    max_calibration_error: float = attrs.field(default=0.05, converter=float, validator=_share)

    def check(self, accuracy_by_coin: Mapping[str, float], calibration_error: float, *, leakage_passed: bool,
              time_split: bool) -> Verdict:
        checks = _Checks("promotion")
        checks.require(bool(accuracy_by_coin), "accuracy measured on at least one coin"
                       if accuracy_by_coin else "no coin's validation accuracy was given")
        for coin, accuracy in sorted(accuracy_by_coin.items()):
            checks.at_least(f"{coin} validation accuracy", accuracy, self.min_accuracy)
        checks.require(time_split, "validated on a time split" if time_split
                       else "not validated on a time split (a shuffled split leaks the future)")
        checks.at_most("tier calibration MAE", calibration_error, self.max_calibration_error)
        checks.require(leakage_passed, "leakage check passed" if leakage_passed else "leakage check did not pass")
        return checks.verdict()


@attrs.frozen
class ChallengeGate:
    """The simulated FTMO challenge passes at least ``min_pass_rate`` of at least ``min_attempts``."""

    min_pass_rate: float = attrs.field(default=0.70, converter=float, validator=_share)
    min_attempts: int = attrs.field(default=20, validator=_count)

    def check(self, pass_rate: float, attempts: int) -> Verdict:
        checks = _Checks("challenge")
        checks.at_least("pass rate", pass_rate, self.min_pass_rate)
        checks.at_least("attempts", attempts, self.min_attempts)
        return checks.verdict()


@attrs.frozen
class AcceptanceGate:
    """A strategy is accepted with a win rate >= ``min_win_rate`` over >= ``min_trades`` trades. The
    gate reads the observed rate; its Wilson 95 % lower bound is shown beside it, because 68 % over
    100 trades is also consistent with a true rate near 58 %."""

    min_win_rate: float = attrs.field(default=0.68, converter=float, validator=_share)
    min_trades: int = attrs.field(default=100, validator=_count)

    def check(self, win_rate: float | None, trades: int) -> Verdict:
        checks = _Checks("acceptance")
        checks.at_least("win rate", win_rate, self.min_win_rate)
        if win_rate is not None and math.isfinite(win_rate):
            if not 0.0 <= win_rate <= 1.0:
                checks.require(False, f"win rate {win_rate!r} is not a share within [0, 1]")
            elif trades > 0:
                low, high = wilson_interval(round(win_rate * trades), trades) or (0.0, 0.0)
                checks.require(True, f"win rate Wilson 95 % interval [{low:.4f}, {high:.4f}] over {trades} trades")
        checks.at_least("trades", trades, self.min_trades)
        return checks.verdict()


@attrs.frozen
class Gates:
    """The three gates with the thresholds of one configuration (the composition root builds it
    from the settings)."""

    promotion: PromotionGate = attrs.Factory(PromotionGate)
    challenge: ChallengeGate = attrs.Factory(ChallengeGate)
    acceptance: AcceptanceGate = attrs.Factory(AcceptanceGate)
