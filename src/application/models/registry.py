"""Register, promote and roll back models; and the boot check that keeps an ungated model out of
live mode.

``promote`` runs every promotion gate and refuses the model unless all of them pass, listing each
failure: the promotion gate on the card's validation metrics (accuracy per coin, tier calibration
error, the leakage check, a time split) and the challenge gate on the simulated challenges of a
backtest over the validation period. A gate that cannot run (no evidence, a figure the card
lacks) is not a pass. ``research=True`` promotes a model that fails them for dry-run research,
recorded as such; live mode refuses it, at promotion and at boot.

Every promotion and rollback is a ``model_deployments`` row. The registry file and the promoted
links are changed first; when the row cannot be written they are put back as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import attrs

from application.evaluation.evaluate import ChallengeEvidence
from application.models.ports import (
    DeploymentRepository,
    ModelFileError,
    NoEvidence,
    RegistryStore,
    ValidationEvidence,
)
from domain.evaluation.gates import Failed, Gates, NotRun, Verdict
from domain.models.cards import VALIDATION, ModelCard
from domain.models.deployments import ModelDeployment
from domain.models.promotion import promotion_inputs
from domain.models.registry import PromotionKind, Registry, RegistryEntry, role_of
from domain.models.semver import normalise_tag
from domain.signals.signal import Mode

GateVerdict = Verdict | NotRun


def gate_verdicts(card: ModelCard, evidence: ChallengeEvidence | NoEvidence, gates: Gates) -> tuple[GateVerdict, ...]:
    """Every gate on the model, in order: what its card lacks, the promotion gate, the challenge gate."""
    inputs = promotion_inputs(card)
    verdicts: list[GateVerdict] = [Failed("card", inputs.problems, inputs.problems)] if inputs.problems else []
    if card.metrics.get(VALIDATION):
        verdicts.append(gates.promotion.check(inputs.accuracy_by_coin, inputs.calibration_error,
                                              leakage_passed=inputs.leakage_passed, time_split=inputs.time_split))
    else:
        verdicts.append(NotRun("promotion", f"the card has no {VALIDATION} metrics to check"))
    if isinstance(evidence, NoEvidence):
        verdicts.append(NotRun("challenge", evidence.reason))
    else:
        verdicts.append(gates.challenge.check(evidence.pass_rate, evidence.attempts))
    return tuple(verdicts)


def failures(verdicts: tuple[GateVerdict, ...]) -> tuple[str, ...]:
    """Every reason a gate failed or could not run, as ``gate: reason``."""
    out: list[str] = []
    for verdict in verdicts:
        if isinstance(verdict, Failed):
            out += [f"{verdict.gate}: {reason}" for reason in verdict.reasons]
        elif isinstance(verdict, NotRun):
            out.append(f"{verdict.gate}: not run ({verdict.reason}), which is not a pass")
    return tuple(out)


class PromotionRefused(Exception):
    def __init__(self, tag: str, reasons: tuple[str, ...], verdicts: tuple[GateVerdict, ...]) -> None:
        super().__init__(f"{tag} is not promoted: " + "; ".join(reasons))
        self.tag, self.reasons, self.verdicts = tag, reasons, verdicts


class UngatedModelError(Exception):
    """Live mode asked to serve a model promoted without its gates."""


@attrs.frozen
class Promotion:
    entry: RegistryEntry  # as promoted: its promotion kind says gated or research
    replaced: str | None  # the tag the role served before
    verdicts: tuple[GateVerdict, ...]


@attrs.frozen
class Rollback:
    restored: RegistryEntry
    pulled: RegistryEntry  # carries the rollback's time and reason


@attrs.frozen
class RegistryService:
    store: RegistryStore
    deployments: DeploymentRepository
    evidence: ValidationEvidence
    gates: Gates

    def register(self, path: str, now: datetime, tag: str | None = None) -> RegistryEntry:
        """Register the weights at ``path`` (their card beside them) under ``tag``, by default the
        role's latest tag with its patch bumped. The same weights under the same tag again is a no-op."""
        model = self.store.inspect(path)
        if model.card.weights_sha256 != model.sha256:
            raise ModelFileError(f"{path}: sha256 {model.sha256[:12]}... is not the card's weights_sha256 "
                                 f"{model.card.weights_sha256[:12] or '(none)'}...: these are not the weights the "
                                 f"card describes")
        with self.store.locked():
            registry = self.store.load()
            chosen = normalise_tag(tag) if tag is not None else _default_tag(registry, model.card, model.sha256)
            entry = RegistryEntry.from_card(chosen, model.card, model.file, model.sha256, model.card_sha256, now)
            updated = registry.register(entry)
            if updated is not registry:
                self.store.save(updated)
            return updated.entry(chosen)

    def promote(self, tag: str, now: datetime, *, research: bool = False, mode: Mode = Mode.DRYRUN) -> Promotion:
        with self.store.locked():
            registry = self.store.load()
            entry = registry.entry(tag)
            card = self.store.verify(entry)
            verdicts = gate_verdicts(card, self.evidence.challenge(card, self.store.location(entry)), self.gates)
            failed = failures(verdicts)
            if failed and not research:
                raise PromotionRefused(entry.tag, failed, verdicts)
            if failed and mode is Mode.LIVE:
                reason = "live mode: a research promotion of an ungated model is for dry-run only"
                raise PromotionRefused(entry.tag, (*failed, reason), verdicts)
            kind = PromotionKind.RESEARCH if failed else PromotionKind.GATED
            updated = registry.promote(entry.tag, kind, now, failed)
            promoted = updated.entry(entry.tag)
            row = self._row(promoted, now)
            self._commit(registry, updated, lambda: self.deployments.add(row))
            return Promotion(promoted, registry.promoted.get(entry.role), verdicts)

    def rollback(self, tag: str, reason: str, now: datetime) -> Rollback:
        """Serve the earlier, previously promoted ``tag`` again in its role; ``reason`` is recorded."""
        if not reason.strip():
            raise ValueError("a rollback needs a reason (--reason)")
        with self.store.locked():
            registry = self.store.load()
            updated, pulled = registry.rollback(tag, reason.strip(), now)
            restored = updated.entry(tag)
            self.store.verify(restored)
            self._commit(registry, updated, lambda: self._record_rollback(pulled, reason.strip(), restored, now))
            return Rollback(restored, pulled)

    def _row(self, entry: RegistryEntry, now: datetime, reason: str | None = None) -> ModelDeployment:
        metrics = {**entry.metrics.get(VALIDATION, {}), "gated": float(entry.promotion is PromotionKind.GATED)}
        return ModelDeployment(entry.tag, self.store.location(entry), now, metrics, rollback_reason=reason)

    def _record_rollback(self, pulled: RegistryEntry, reason: str, restored: RegistryEntry, now: datetime) -> None:
        # the pulled model's row carries the reason; one promoted before this store existed has no
        # row to flag, so the rollback is recorded as a row of its own
        if not self.deployments.mark_rolled_back(pulled.tag, reason):
            self.deployments.add(self._row(pulled, now, reason))
        self.deployments.add(self._row(restored, now))

    def _commit(self, before: Registry, after: Registry, record: Callable[[], None]) -> None:
        """Save ``after``, then ``record`` the deployment rows; on failure put ``before`` back."""
        try:
            self.store.save(after)
            record()
        except BaseException:
            self.store.save(before)
            raise


def _default_tag(registry: Registry, card: ModelCard, sha256: str) -> str:
    """The tag these weights already hold, else the next free one of their role."""
    held = next((e.tag for e in registry.entries.values() if e.sha256 == sha256), None)
    return held if held is not None else registry.next_tag(role_of(card))


def require_servable(registry: Registry, mode: Mode, roles: tuple[str, ...] | None = None) -> tuple[str, ...]:
    """The boot check: in live mode, UngatedModelError when a promoted model (of ``roles``, or any)
    was promoted for research without its gates; in dry-run, one warning line per such model."""
    served = [registry.entries[tag] for role, tag in sorted(registry.promoted.items())
              if roles is None or role in roles]
    research = [e for e in served if e.promotion is PromotionKind.RESEARCH]
    lines = tuple(f"{e.role} serves {e.tag} ({e.file}), promoted for research WITHOUT passing its gates: "
                  f"{'; '.join(e.gate_failures) or 'gates not passed'}" for e in research)
    if lines and mode is Mode.LIVE:
        raise UngatedModelError("live mode refuses ungated models: " + " | ".join(lines)
                                + ". Promote a model that passes its gates, or roll back to one.")
    return lines
