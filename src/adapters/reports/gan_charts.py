"""Charts of the GAN report (PNG, matplotlib from the `report` extra): return and volatility
distributions, the autocorrelation of absolute returns, sample price paths and the ablation."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from adapters.reports.charts import BLUE, GREY, ORANGE, drawing, new_figure, save
from application.research.gan_report import QualityResult
from domain.research.quality import rolling_volatility


def gan_charts(quality: QualityResult, ablation: Mapping[str, Any] | None, folder: Path) -> list[str]:
    """Write the charts into ``folder``; the file names, in reading order."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    with drawing():
        written.append(save(_distributions(quality), folder / "gan_distributions.png").name)
        written.append(save(_acf(quality), folder / "gan_acf_abs_returns.png").name)
        written.append(save(_paths(quality), folder / "gan_price_paths.png").name)
        if ablation:
            written.append(save(_ablation(ablation), folder / "gan_ablation.png").name)
    return written


def _distributions(quality: QualityResult) -> Any:
    figure = new_figure(10, 3.6)
    real, fake = np.concatenate(quality.real_returns), np.concatenate(quality.synthetic.log_returns())
    left, right = figure.subplots(1, 2)
    edge = float(np.quantile(np.abs(real), 0.999))
    bins = np.linspace(-edge, edge, 81)
    left.hist(real, bins=bins, density=True, histtype="step", color=BLUE, label="held real")
    left.hist(fake, bins=bins, density=True, histtype="step", color=ORANGE, label="synthetic")
    left.set_yscale("log")
    left.set_title(f"1-minute log returns (KS D = {quality.report.returns_ks.statistic:.3f})")
    left.legend()
    window = quality.report.volatility_window
    real_vol = rolling_volatility(quality.real_returns, window)
    fake_vol = rolling_volatility(quality.synthetic.log_returns(), window)
    top = float(np.quantile(real_vol, 0.995))
    vbins = np.linspace(0, top, 61)
    right.hist(real_vol, bins=vbins, density=True, histtype="step", color=BLUE, label="held real")
    right.hist(fake_vol, bins=vbins, density=True, histtype="step", color=ORANGE, label="synthetic")
    right.set_title(f"volatility over {window}-bar blocks (KS D = {quality.report.volatility_ks.statistic:.3f})")
    right.legend()
    return figure


def _acf(quality: QualityResult) -> Any:
    figure = new_figure(6, 3.6)
    axes = figure.subplots()
    lags = np.arange(1, len(quality.report.acf_abs_real) + 1)
    axes.plot(lags, quality.report.acf_abs_real, "o-", color=BLUE, label="held real")
    axes.plot(lags, quality.report.acf_abs_synthetic, "s-", color=ORANGE, label="synthetic")
    axes.axhline(0, color=GREY, linewidth=0.8)
    axes.set_xlabel("lag (minutes)")
    axes.set_title("autocorrelation of |returns| (volatility clustering)")
    axes.legend()
    return figure


def _paths(quality: QualityResult) -> Any:
    figure = new_figure(10, 3.6)
    left, right = figure.subplots(1, 2, sharey=True)
    for closes in quality.real_closes[:8]:
        left.plot(closes / closes[0], color=BLUE, linewidth=0.8)
    for candles in quality.synthetic.candles[:8]:
        right.plot(candles.close / candles.open[0], color=ORANGE, linewidth=0.8)
    left.set_title("held real stretches (close / first)")
    right.set_title("synthetic paths (close / anchor)")
    return figure


def _ablation(ablation: Mapping[str, Any]) -> Any:
    figure = new_figure(8, 3.4)
    left, right = figure.subplots(1, 2)
    shares = list(ablation["arms"])
    arms = [ablation["arms"][s] for s in shares]
    labels = [f"{float(s):.0%}" for s in shares]
    left.bar(labels, [a["log_loss"] for a in arms], yerr=[a["log_loss_sd"] for a in arms], color=BLUE)
    low = min(a["log_loss"] - a["log_loss_sd"] for a in arms)
    left.set_ylim(low - 0.002, max(a["log_loss"] + a["log_loss_sd"] for a in arms) + 0.002)
    left.set_title("validation log loss (mean ± sd over seeds)")
    right.bar(labels, [a["accuracy"] for a in arms], yerr=[a["accuracy_sd"] for a in arms], color=ORANGE)
    right.axhline(ablation["majority_accuracy"], color=GREY, linestyle="--", label="majority class")
    right.set_ylim(min(a["accuracy"] for a in arms) - 0.02, max(a["accuracy"] for a in arms) + 0.02)
    right.set_title("validation accuracy")
    right.legend()
    for axes in (left, right):
        axes.set_xlabel("synthetic share of the training set")
    return figure
