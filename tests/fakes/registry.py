"""In-memory doubles of the registry's ports: the store (files as bytes by name, the promoted
links as a dict) and the validation evidence (a fixed answer)."""

from __future__ import annotations

import hashlib
import json
from contextlib import AbstractContextManager, nullcontext

import attrs

from application.evaluation.evaluate import ChallengeEvidence
from application.models.ports import ModelFile, ModelFileError, NoEvidence, RegistryStore, ValidationEvidence
from domain.models.cards import ModelCard
from domain.models.registry import Registry, RegistryEntry


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class InMemoryRegistryStore(RegistryStore):
    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.registry = Registry()
        self.links: dict[str, str] = {}  # role -> file name
        self.saves = 0

    def add_model(self, card: ModelCard, weights: bytes | None = None) -> str:
        """Put ``<name>.pt`` and its card (naming the weights' sha256) in the store; returns the path."""
        weights = weights if weights is not None else f"weights of seed {card.seed}".encode()
        written = attrs.evolve(card, weights_sha256=_sha(weights))
        self.files[f"{card.name}.pt"] = weights
        self.files[f"{card.name}.json"] = json.dumps(written.as_dict()).encode()
        return f"{card.name}.pt"

    def locked(self) -> AbstractContextManager[None]:
        return nullcontext()

    def load(self) -> Registry:
        return self.registry

    def save(self, registry: Registry) -> None:
        self.registry = registry
        self.links = {role: registry.entries[tag].file for role, tag in registry.promoted.items()}
        self.saves += 1

    def inspect(self, path: str) -> ModelFile:
        card_name = path.removesuffix(".pt") + ".json"
        if path not in self.files or card_name not in self.files:
            raise ModelFileError(f"{path}: no such model file with its card")
        card = ModelCard.from_dict(json.loads(self.files[card_name]))
        return ModelFile(card, path, _sha(self.files[path]), _sha(self.files[card_name]))

    def verify(self, entry: RegistryEntry) -> ModelCard:
        for name, registered in ((entry.file, entry.sha256), (entry.card_file, entry.card_sha256)):
            if name not in self.files or _sha(self.files[name]) != registered:
                raise ModelFileError(f"{name}: changed or missing since it was registered as {entry.tag}")
        return ModelCard.from_dict(json.loads(self.files[entry.card_file]))

    def location(self, entry: RegistryEntry) -> str:
        return f"memory/{entry.file}"


@attrs.define
class FixedEvidence(ValidationEvidence):
    """Answers every model with the same evidence, and remembers what it was asked."""

    answer: ChallengeEvidence | NoEvidence
    asked: list[str] = attrs.Factory(list)

    def challenge(self, card: ModelCard, weights: str) -> ChallengeEvidence | NoEvidence:
        self.asked.append(weights)
        return self.answer
