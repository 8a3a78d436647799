"""Ports of the challenge simulation."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from application.challenge.simulate import ChallengeReport


class ChallengeReportWriter(Protocol):
    """Writes one part of a simulation's report into ``folder`` and returns {name: path} of what
    it wrote. ``tradeai challenge simulate --report DIR`` runs every writer it is given: the JSON
    one today; an HTML/PNG report plugs in as another writer."""

    def write(self, folder: Path, report: ChallengeReport) -> dict[str, str]: ...
