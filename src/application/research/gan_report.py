"""Use case: the GAN report. Generated candles (drawn again from the sampled set's generator and
seed, so the report judges exactly what was stored) are compared with the held-back real candles
of the generator's training span, and the ablation measures whether they help a model."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import attrs
import numpy as np

from application.data.ports import CandleStore
from application.features.ports import FeatureStore
from application.models.training.ports import TrainingObserver
from application.research.ablation import AblationReport, AblationRequest, RunAblation
from application.research.gan_data import GanInputError, runs_of
from application.research.gan_ports import GeneratorFiles
from application.research.gan_sample import SyntheticPaths, generate
from domain.market.candles import Pair, datetime_to_ms
from domain.research.quality import QualityReport, compare

ACF_LAGS = 20
DRIFT_BLOCK = 180  # bars


@attrs.frozen(eq=False)
class QualityResult:
    report: QualityReport
    real_returns: tuple[np.ndarray, ...]  # held real data, one array per unbroken run
    synthetic: SyntheticPaths
    real_closes: tuple[np.ndarray, ...]  # a few held real stretches as long as the synthetic paths


@attrs.frozen(eq=False)
class GanReport:
    synthetic_set: str
    generator: dict[str, Any]
    quality: QualityResult
    ablation: AblationReport | None

    def as_dict(self) -> dict[str, Any]:
        card = self.generator
        return {"synthetic_set": self.synthetic_set, "generator_version": card["version"], "pair": card["pair"],
                "generator_span": [card["train_start"], card["holdout_start"]],
                "held_real_span": [card["holdout_start"], card["train_end"]],
                "quality": self.quality.report.as_dict(),
                "ablation": self.ablation.as_dict() if self.ablation else None,
                "conclusion": self.ablation.conclusion() if self.ablation else "ablation not run"}


def assess_quality(card: dict[str, Any], synthetic: SyntheticPaths, candles: CandleStore) -> QualityResult:
    pair = Pair(card["pair"])
    start, end = (datetime_to_ms(datetime.fromisoformat(card[key])) for key in ("holdout_start", "train_end"))
    held = candles.load(pair, start, end)
    runs = [r for r in runs_of(held) if len(r) > ACF_LAGS + 1]
    if not runs:
        raise GanInputError(f"{pair}: no held real candles between {card['holdout_start']} and {card['train_end']} "
                            "to compare with")
    length = len(synthetic.candles[0]) if synthetic.candles else 0
    closes = [r.close[k:k + length] for r in runs for k in range(0, len(r) - length, max(length, 1))][:20]
    returns = tuple(np.diff(np.log(r.close)) for r in runs)
    # drift over a whole path is where a generator run past its training window goes wrong
    block = min(DRIFT_BLOCK, max(length - 1, 1))
    return QualityResult(compare(returns, synthetic.log_returns(), synthetic.min_price, ACF_LAGS, block=block),
                         returns, synthetic, tuple(closes))


class ReportGan:
    def __init__(self, candles: CandleStore, files: GeneratorFiles, features: FeatureStore,
                 ablation: RunAblation | None) -> None:
        self._candles, self._files, self._features, self._ablation = candles, files, features, ablation

    def __call__(self, synthetic_set: str, ablation: AblationRequest | None, observer: TrainingObserver,
                 progress: Callable[[str], None] = lambda _: None) -> GanReport:
        manifest = self._features.manifest(synthetic_set)
        made = manifest.get("synthetic")
        if not made:
            raise GanInputError(f"feature set {synthetic_set} is not synthetic (its manifest has no synthetic block)")
        card, generator = self._files.load(made["generator"])
        if card["version"] != made["generator_version"]:
            raise GanInputError(f"{made['generator']} is generator {card['version']}, but {synthetic_set} was sampled "
                                f"from {made['generator_version']}")
        if ablation is not None:
            _require_before_validation(card, ablation)
        progress("quality")
        paths = generate(card, generator, self._candles, int(made["paths"]), int(made["length"]), int(made["seed"]))
        quality = assess_quality(card, paths, self._candles)
        measured = None
        if ablation is not None and self._ablation is not None:
            progress("ablation")
            measured = self._ablation(ablation, observer)
        return GanReport(synthetic_set, card, quality, measured)


def _require_before_validation(card: dict[str, Any], ablation: AblationRequest) -> None:
    """A generator that read candles of the validation period would carry them into training."""
    read_until = datetime.fromisoformat(card["train_end"])
    validation_start = ablation.split.train_end
    if validation_start is None or read_until > validation_start:
        raise GanInputError(f"the generator read candles up to {card['train_end']}, after the ablation's --train-end "
                            f"({validation_start.isoformat() if validation_start else 'not set'}): it has seen "
                            "validation data")


def markdown(report: dict[str, Any], charts: Sequence[str]) -> str:
    """The report in words, figures first, the conclusion plainly."""
    q = report["quality"]
    lines = [f"# GAN synthetic candles: {report['pair']}, generator {report['generator_version']}", "",
             f"Generator trained on {report['generator_span'][0]} -> {report['generator_span'][1]}; compared with "
             f"held real candles {report['held_real_span'][0]} -> {report['held_real_span'][1]}.", "",
             "## Quality (synthetic vs held real)", "",
             "| figure | real | synthetic |", "|---|---|---|",
             f"| return std (log, per minute) | {q['return_std_real']:.2e} | {q['return_std_synthetic']:.2e} |",
             f"| excess kurtosis of returns | {q['kurtosis_real']:.1f} | {q['kurtosis_synthetic']:.1f} |",
             f"| clustering (mean ACF of abs returns, lags 1-10) | {q['clustering_real']:.3f} | "
             f"{q['clustering_synthetic']:.3f} |",
             f"| ACF of abs returns at lag 1 | {q['acf_abs_real'][0]:.3f} | {q['acf_abs_synthetic'][0]:.3f} |",
             f"| ACF of returns at lag 1 | {q['return_acf1_real']:.3f} | {q['return_acf1_synthetic']:.3f} |",
             f"| std of {q['block']}-bar summed returns (drift) | {q['block_std_real']:.2e} | "
             f"{q['block_std_synthetic']:.2e} |", "",
             f"- KS returns: D = {q['returns_ks']['statistic']:.3f} (p = {q['returns_ks']['p_value']:.2g})",
             f"- KS volatility ({q['volatility_window']}-bar blocks): D = {q['volatility_ks']['statistic']:.3f} "
             f"(p = {q['volatility_ks']['p_value']:.2g})",
             f"- mean absolute gap between the ACFs of abs returns (lags 1-20): {q['acf_abs_mae']:.3f}",
             f"- lowest synthetic price: {q['min_price_synthetic']:.6g} (all positive: {q['prices_positive']})", ""]
    ablation = report.get("ablation")
    if ablation:
        lines += ["## Ablation (same LSTM, same real validation period)", "",
                  f"Train {ablation['periods']['train'][0]} -> {ablation['periods']['train'][1]}, validation "
                  f"{ablation['periods']['validation'][0]} -> {ablation['periods']['validation'][1]}; majority-class "
                  f"accuracy {ablation['majority_accuracy']:.3f}.", "",
                  "| synthetic share | real rows | synthetic rows | accuracy | log loss | delta log loss vs 0 % "
                  "(± se) | verdict |", "|---|---|---|---|---|---|---|"]
        for share, arm in ablation["arms"].items():
            verdict = ablation["verdicts"].get(share, "baseline")
            lines.append(f"| {float(share):.0%} | {arm['real_rows']:.0f} | {arm['synthetic_rows']:.0f} | "
                         f"{arm['accuracy']:.4f} ± {arm['accuracy_sd']:.4f} | {arm['log_loss']:.5f} | "
                         f"{arm['delta_log_loss']:+.5f} ± {arm['delta_log_loss_se']:.5f} | {verdict} |")
        lines.append("")
    lines += ["## Conclusion", "", report["conclusion"], ""]
    lines += [f"![{name}]({name})" for name in charts]
    return "\n".join(lines) + "\n"
