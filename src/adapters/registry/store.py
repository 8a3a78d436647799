"""The registry in the models folder:

- ``registry.json``: the tags, written whole through ``adapters.common.atomic_file`` (a reader
  sees the old registry or the new one);
- ``promoted/<role>``: a relative symlink to the weights each role serves (``../<name>.pt``, the
  card beside them), switched by renaming a new link over the old one (os.replace), so a reader
  sees the old target or the new, never none;
- ``.registry.lock``: held (flock) for one change, so two commands cannot interleave theirs.

Weights and cards are checked by sha256 against what was registered before they are promoted or
rolled back to: a file changed since is refused, named.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from adapters.common.atomic_file import atomic_write
from application.models.ports import ModelFile, ModelFileError, RegistryFileError, RegistryStore
from domain.models.cards import ModelCard
from domain.models.registry import Registry, RegistryEntry
from domain.models.registry_codec import registry_from_dict

REGISTRY_FILE = "registry.json"
PROMOTED_DIR = "promoted"
_LOCK_FILE = ".registry.lock"


class JsonRegistryStore(RegistryStore):
    def __init__(self, model_dir: Path | str) -> None:
        self.folder = Path(model_dir)
        self.path = self.folder / REGISTRY_FILE
        self.promoted = self.folder / PROMOTED_DIR

    @contextmanager
    def locked(self) -> Iterator[None]:
        import fcntl  # POSIX: the runtime and its tools run on Linux

        self.folder.mkdir(parents=True, exist_ok=True)
        with (self.folder / _LOCK_FILE).open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def load(self) -> Registry:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return Registry()
        except (OSError, UnicodeDecodeError) as exc:
            raise RegistryFileError(f"{self.path}: unreadable ({exc})") from None
        try:
            return registry_from_dict(json.loads(text))
        except ValueError as exc:  # json.JSONDecodeError is one
            raise RegistryFileError(f"{self.path}: not a valid registry ({exc})") from None

    def save(self, registry: Registry) -> None:
        payload = (json.dumps(registry.as_dict(), indent=2, allow_nan=False) + "\n").encode()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, lambda handle: handle.write(payload))
            for role, tag in registry.promoted.items():
                self._point(role, registry.entries[tag].file)
        except OSError as exc:
            raise RegistryFileError(f"{exc.filename or self.path}: cannot write ({exc.strerror or exc})") from None

    def _point(self, role: str, file: str) -> None:
        link, target = self.promoted / role, Path("..") / file  # relative: the folder may be moved or mounted
        if link.is_symlink() and link.readlink() == target:
            return
        self.promoted.mkdir(exist_ok=True)
        temporary = self.promoted / f".{role}.{os.getpid()}.tmp"
        temporary.unlink(missing_ok=True)
        try:
            temporary.symlink_to(target)
            temporary.replace(link)  # os.replace: the link is switched atomically
        finally:
            temporary.unlink(missing_ok=True)

    def inspect(self, path: str) -> ModelFile:
        weights = Path(path)
        if weights.suffix != ".pt":
            raise ModelFileError(f"{path}: a model's weights file ends in .pt")
        if not weights.is_file():
            raise ModelFileError(f"{path}: no such model file")
        if weights.resolve().parent != self.folder.resolve():
            raise ModelFileError(f"{path} is not in the models folder {self.folder}: registered models live there "
                                 f"(copy it there with its card, or set MODEL_DIR)")
        card_path = weights.with_suffix(".json")
        card = _card(card_path)
        return ModelFile(card, weights.name, _sha256(weights), _sha256(card_path))

    def verify(self, entry: RegistryEntry) -> ModelCard:
        weights, card_path = self.folder / entry.file, self.folder / entry.card_file
        for path, registered in ((weights, entry.sha256), (card_path, entry.card_sha256)):
            if not path.is_file():
                raise ModelFileError(f"{path}: registered as {entry.tag} but missing")
            actual = _sha256(path)
            if actual != registered:
                raise ModelFileError(f"{path}: sha256 {actual[:12]}... is not the {registered[:12]}... registered as "
                                     f"{entry.tag}: the file changed after it was registered, so it is refused "
                                     f"(register the new file under a new tag)")
        return _card(card_path)

    def location(self, entry: RegistryEntry) -> str:
        return str(self.folder / entry.file)


def _card(path: Path) -> ModelCard:
    try:
        return ModelCard.from_dict(json.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ModelFileError(f"{path}: no model card beside the weights") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelFileError(f"{path}: unreadable model card ({exc})") from None
    except (ValueError, TypeError, AttributeError) as exc:
        raise ModelFileError(f"{path}: not a valid model card ({exc})") from None


def _sha256(path: Path) -> str:
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError as exc:
        raise ModelFileError(f"{path}: unreadable ({exc.strerror or exc})") from None
