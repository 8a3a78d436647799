"""Model files: ``<name>.pt`` (the state dict, ``torch.save``) beside ``<name>.json`` (the card).

Both are written through ``adapters.common.atomic_file`` (a reader sees the old file or the new
one, never a torn one), the weights first and the card, which carries the weights' sha256, last:
a card on disk always names weights that are complete. When writing the card fails or is
interrupted (Ctrl-C), the weights file is put back as it was (removed when it was new). Loading
reads the card, checks the weights' sha256 against it, loads them with ``weights_only=True`` (no
pickled code runs) and rebuilds the network from the card's params.
"""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import attrs
import torch

from adapters.common.atomic_file import atomic_write
from adapters.torch.networks import build_network
from adapters.torch.trainer import TorchModel, resolve_device
from application.models.training.ports import ModelFiles, TrainedModel
from domain.models.cards import ModelCard


class ModelFileError(Exception):
    """A model file is missing, unreadable or does not match its card; the message names it."""


class TorchModelFiles(ModelFiles):
    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)

    def location(self, name: str) -> str:
        return str(self.folder / f"{name}.pt")

    def save(self, card: ModelCard, model: TrainedModel) -> ModelCard:
        if not isinstance(model, TorchModel):
            raise TypeError(f"TorchModelFiles saves TorchModel, got {type(model).__name__}")
        buffer = io.BytesIO()
        torch.save({k: v.detach().cpu() for k, v in model.network.state_dict().items()}, buffer)
        weights = buffer.getvalue()
        written = attrs.evolve(card, weights_sha256=hashlib.sha256(weights).hexdigest())
        card_bytes = (json.dumps(written.as_dict(), indent=2, sort_keys=True, allow_nan=False) + "\n").encode()
        self.folder.mkdir(parents=True, exist_ok=True)
        pt, js = self.folder / f"{card.name}.pt", self.folder / f"{card.name}.json"
        previous = pt.read_bytes() if pt.exists() else None
        atomic_write(pt, lambda handle: handle.write(weights))
        try:
            atomic_write(js, lambda handle: handle.write(card_bytes))
        except BaseException:
            # the weights without their card would be half a model: put back what was there
            if previous is None:
                pt.unlink(missing_ok=True)
            else:
                atomic_write(pt, lambda handle: handle.write(previous))
            raise
        return written


def read_card(path: Path) -> ModelCard:
    try:
        return ModelCard.from_dict(json.loads(path.read_text()))
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no such model card") from None
    except (OSError, json.JSONDecodeError, ValueError) as exc:
        raise ModelFileError(f"{path}: unreadable model card ({exc})") from exc


def load_model(card_path: Path | str, device: str = "cpu") -> tuple[ModelCard, TorchModel]:
    """The card at ``card_path`` and its network, ready to predict; ModelFileError when the
    weights are missing or do not match the card."""
    card_path = Path(card_path)
    card = read_card(card_path)
    weights_path = card_path.with_suffix(".pt")
    try:
        weights = weights_path.read_bytes()
    except OSError as exc:
        raise ModelFileError(f"{weights_path}: model weights unreadable ({exc})") from exc
    digest = hashlib.sha256(weights).hexdigest()
    if digest != card.weights_sha256:
        raise ModelFileError(f"{weights_path}: sha256 {digest[:12]}... does not match its card's "
                             f"{card.weights_sha256[:12] or '(none)'}...")
    where = resolve_device(device)
    try:
        state = torch.load(io.BytesIO(weights), map_location=where, weights_only=True)
        network = build_network(card.kind, card.params)
        network.load_state_dict(state)
    except (RuntimeError, ValueError, KeyError) as exc:
        raise ModelFileError(f"{weights_path}: weights do not fit the card's architecture ({exc})") from exc
    network.to(where).eval()
    return card, TorchModel(network, card.kind, (), 0, where)
