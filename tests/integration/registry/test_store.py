"""The registry on disk, and the same contract over the in-memory double: the registry written
whole, promoted links switched atomically and relative, files checked by sha256 and named when wrong."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.registry import JsonRegistryStore
from application.models.ports import ModelFileError, RegistryFileError
from domain.models.registry import PromotionKind, Registry, RegistryEntry
from tests.fakes.registry import InMemoryRegistryStore
from tests.unit.registry.builders import T0, card, write_model


class Disk:
    def __init__(self, folder: Path) -> None:
        self.store = JsonRegistryStore(folder)
        self.folder = folder

    def add(self, seed: int) -> str:
        return str(write_model(self.folder, card(seed)))

    def tamper(self, file: str) -> None:
        path = self.folder / file
        path.write_bytes(path.read_bytes() + b" ")


class Memory:
    def __init__(self) -> None:
        self.store = InMemoryRegistryStore()

    def add(self, seed: int) -> str:
        return self.store.add_model(card(seed))

    def tamper(self, file: str) -> None:
        self.store.files[file] += b" "


@pytest.fixture(params=["disk", "memory"])
def world(request, tmp_path: Path) -> Disk | Memory:
    return Disk(tmp_path / "models") if request.param == "disk" else Memory()


def registered(world: Disk | Memory, seed: int, tag: str) -> RegistryEntry:
    found = world.store.inspect(world.add(seed))
    return RegistryEntry.from_card(tag, found.card, found.file, found.sha256, found.card_sha256, T0)


def test_contract_empty_then_saved_then_loaded(world) -> None:
    assert world.store.load() == Registry()
    entry = registered(world, 1, "v1.0.0")
    with world.store.locked():
        world.store.save(Registry().register(entry).promote("v1.0.0", PromotionKind.GATED, T0))
    loaded = world.store.load()
    assert loaded.promoted == {"lstm_btc": "v1.0.0"} and loaded.entry("v1.0.0").deployed_at == T0
    assert world.store.verify(loaded.entry("v1.0.0")).weights_sha256 == entry.sha256


@pytest.mark.parametrize("which", ["file", "card_file"])
def test_contract_a_file_changed_after_registering_is_refused_by_name(world, which: str) -> None:
    entry = registered(world, 1, "v1.0.0")
    world.tamper(getattr(entry, which))
    with pytest.raises(ModelFileError, match=getattr(entry, which).replace(".", r"\.")):
        world.store.verify(entry)


def test_disk_layout_relative_links_and_no_temporary_files(tmp_path: Path) -> None:
    disk = Disk(tmp_path / "models")
    v1, v2 = registered(disk, 1, "v1.0.0"), registered(disk, 2, "v1.1.0")
    registry = Registry().register(v1).register(v2).promote("v1.0.0", PromotionKind.GATED, T0)
    disk.store.save(registry)
    link = tmp_path / "models" / "promoted" / "lstm_btc"
    assert link.is_symlink() and os.readlink(link) == f"../{v1.file}" and link.resolve() == tmp_path / "models" / v1.file
    disk.store.save(registry.promote("v1.1.0", PromotionKind.GATED, T0 + timedelta(hours=1)))
    assert os.readlink(link) == f"../{v2.file}"
    document = json.loads((tmp_path / "models" / "registry.json").read_text())
    assert document["promoted"] == {"lstm_btc": "v1.1.0"} and set(document["models"]) == {"v1.0.0", "v1.1.0"}
    leftovers = [p.name for p in (tmp_path / "models").rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    # the folder moved elsewhere still resolves: the link is relative
    moved = tmp_path / "moved"
    (tmp_path / "models").rename(moved)
    assert (moved / "promoted" / "lstm_btc").resolve() == moved / v2.file


def test_inspect_refuses_files_outside_the_folder_or_without_a_card(tmp_path: Path) -> None:
    store = JsonRegistryStore(tmp_path / "models")
    outside = write_model(tmp_path / "elsewhere", card(1))
    with pytest.raises(ModelFileError, match=r"is not in the models folder .*set MODEL_DIR"):
        store.inspect(str(outside))
    lonely = tmp_path / "models" / "lonely.pt"
    lonely.parent.mkdir()
    lonely.write_bytes(b"w")
    with pytest.raises(ModelFileError, match=r"lonely\.json: no model card beside the weights"):
        store.inspect(str(lonely))
    (tmp_path / "models" / "lonely.json").write_text('{"format": 1, "kind": "lstm"}')
    with pytest.raises(ModelFileError, match=r"lonely\.json: not a valid model card \(model card lacks"):
        store.inspect(str(lonely))
    with pytest.raises(ModelFileError, match="no such model file"):
        store.inspect(str(tmp_path / "models" / "missing.pt"))
    with pytest.raises(ModelFileError, match=r"ends in \.pt"):
        store.inspect(str(tmp_path / "models" / "lonely.json"))


def test_a_broken_registry_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "registry.json").write_text("{not json")
    with pytest.raises(RegistryFileError, match=r"registry\.json: not a valid registry"):
        JsonRegistryStore(tmp_path).load()
    (tmp_path / "registry.json").write_text('{"format": 1, "models": {}, "promoted": {"lstm_btc": "v1.0.0"}}')
    with pytest.raises(RegistryFileError, match=r"role lstm_btc is promoted to 'v1.0.0'"):
        JsonRegistryStore(tmp_path).load()
