"""`tradeai research`: the research track (synthetic candles from a GAN, a PPO agent). Nothing
here enters the default path unless its ablation says it helps; each subgroup is imported only
when used, so the extras it needs (stable-baselines3, gymnasium) stay optional."""

from __future__ import annotations

from typing import ClassVar

import click

from entrypoints.cli import LazyGroup


class _ResearchGroup(LazyGroup):
    lazy: ClassVar[dict[str, str]] = {
        "gan": "entrypoints.cli.research_gan:gan",
        "rl": "entrypoints.cli.research_rl:rl",
    }


@click.group(cls=_ResearchGroup)
def research() -> None:
    """Research track: GAN synthetic candles and a PPO agent, each with its ablation report."""
