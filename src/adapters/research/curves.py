"""Reward curves: every finished episode's reward per seed, as CSV and as a PNG (matplotlib's
object API on the Agg canvas, no pyplot, so no global state and no display)."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from application.research.rl_verdict import CurvePoint

Curves = Mapping[int, Sequence[CurvePoint]]


def write_curves(path: Path, curves: Curves) -> None:
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["seed", "episode", "timesteps", "reward", "length"])
        for seed, curve in curves.items():
            writer.writerows([seed, n, p.timesteps, f"{p.reward:.6f}", p.length] for n, p in enumerate(curve))


def plot_curves(path: Path, curves: Curves, window: int = 20) -> None:
    """Each seed's episode rewards (faint) and their rolling mean over ``window`` episodes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(8, 4.5))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    for seed, curve in curves.items():
        steps = np.array([p.timesteps for p in curve])
        rewards = np.array([p.reward for p in curve])
        line = axes.plot(steps, rewards, alpha=0.25, linewidth=0.8)[0]
        if len(rewards) >= window:
            mean = np.convolve(rewards, np.ones(window) / window, mode="valid")
            axes.plot(steps[window - 1:], mean, color=line.get_color(), label=f"seed {seed} ({window}-episode mean)")
    axes.axhline(0.0, color="#6e7781", linewidth=0.8)
    axes.set_xlabel("timesteps")
    axes.set_ylabel("episode reward (% of initial balance)")
    axes.set_title("PPO reward curves")
    if axes.get_legend_handles_labels()[0]:
        axes.legend()
    figure.savefig(path, dpi=100, metadata={"Software": None})
