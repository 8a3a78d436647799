"""The feature set's leakage check, as a training run records it on the model card.

No stored leakage result exists for a feature set (``tradeai features check-leakage`` prints its
verdict and keeps nothing), so training runs the check itself when it is cheap enough: a few
random bars per pair plus the whole-series case (``application.features.leakage.CheckLeakage``),
on the stored candles the set was built from, with the set's own feature and label specs and fit
window. When the candles are gone, differ from the ones the set records, or the set was built by
other feature code, nothing is run and the card says ``None`` with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import attrs

from application.data.ports import CandleStore
from application.features.leakage import CheckLeakage
from application.features.manifest import candles_digest
from application.features.ports import FeatureCalculator
from domain.features.definitions import FEATURE_CODE_VERSION, FeatureSpec
from domain.features.labels import LabelSpec
from domain.market.candles import Pair, datetime_to_ms
from domain.market.extras import complete_extras
from domain.market.quality import Ohlcv


@attrs.frozen
class LeakageEvidence:
    passed: bool | None
    how: str  # what was run, or why nothing was
    failures: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"passed": self.passed, "how": self.how, "failures": list(self.failures)}


def not_run(reason: str) -> LeakageEvidence:
    return LeakageEvidence(None, f"not run: {reason}")


class SetLeakageCheck:
    def __init__(self, candles: CandleStore, calculator: FeatureCalculator, samples: int = 3, seed: int = 0) -> None:
        self._candles = candles
        self._calculator = calculator
        self._samples = samples
        self._seed = seed

    def __call__(self, manifest: Mapping[str, Any], pairs: Sequence[str]) -> LeakageEvidence:
        if manifest.get("feature_code_version") != FEATURE_CODE_VERSION:
            return not_run(f"the set was built by feature code {manifest.get('feature_code_version')!r}, "
                           f"this is {FEATURE_CODE_VERSION!r}")
        try:
            check = CheckLeakage(self._calculator, FeatureSpec(**manifest["feature_spec"]),
                                 LabelSpec(**manifest["label_spec"]))
            fit = manifest["fit_window"]
            fit_ms = (datetime_to_ms(datetime.fromisoformat(fit["start"])),
                      datetime_to_ms(datetime.fromisoformat(fit["end"])))
        except (KeyError, TypeError, ValueError) as exc:
            return not_run(f"the manifest does not say how the set was built ({exc})")
        cases, failures = 0, []
        for pair in pairs:
            candles, reason = self._candles_of(manifest, pair)
            if candles is None:
                return not_run(reason)
            report = check(Pair(pair), candles, *fit_ms, self._samples, self._seed)
            cases += len(report.cases)
            failures += [f"{c.pair} {c.variant} at {c.open_time_ms}: {', '.join(c.mismatched)}"
                         for c in report.failures]
        how = (f"run: {cases} checks over {', '.join(pairs)} ({self._samples} random bars per pair and the "
               f"whole-series case, seed {self._seed}) on the candles the set was built from")
        return LeakageEvidence(not failures, how, tuple(failures))

    def _candles_of(self, manifest: Mapping[str, Any], pair: str) -> tuple[Ohlcv | None, str]:
        span = manifest.get("range") or {}
        if span.get("start") is not None or span.get("end") is not None:
            # a ranged build also read history before its start: its input digest cannot be rebuilt here
            return None, "the set was built over a --start/--end range; run `tradeai features check-leakage`"
        candles = self._candles.load(Pair(pair))
        if len(candles) < 2:
            return None, f"the candle store holds no candles of {pair}"
        recorded = manifest.get("inputs", {}).get(pair, {}).get("candles_sha256")
        if recorded != candles_digest(candles, complete_extras(candles)):
            return None, f"the stored candles of {pair} are not the ones the set was built from"
        return candles, ""

