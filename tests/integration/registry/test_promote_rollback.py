"""Deploy v1.1.0, roll back to v1.0.0: through the container (the settings' models folder and
store, the gates' thresholds from the settings) with the validation evidence replaced by a test
double of its port, on SQLite and on Postgres. Afterwards the registry, the promoted link and the
model_deployments table all say v1.0.0, and the table records the rollback with its reason."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import attrs
import pytest

from adapters.sql import SqlDeploymentRepository, create_engine, upgrade
from application.models.registry import PromotionRefused, UngatedModelError
from domain.models.registry import PromotionKind
from entrypoints.container import build_container
from entrypoints.settings import Settings
from tests.fakes.registry import FixedEvidence
from tests.unit.registry.builders import GOOD_EVIDENCE, T0, card, write_model


@pytest.fixture(params=["sqlite", "postgres"])
def url(request, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path}/store.db" if request.param == "sqlite" else request.getfixturevalue("pg_url")


def container(models: Path, url: str, mode: str = "dryrun", evidence=GOOD_EVIDENCE):
    defaults = Settings()
    settings = attrs.evolve(defaults, mode=mode,
                            predictor=attrs.evolve(defaults.predictor, model_dir=str(models)),
                            store=attrs.evolve(defaults.store, backend="postgres" if "postgres" in url else "sqlite",
                                               url=url))
    root = build_container(settings)
    root.registry().validation_evidence.override(FixedEvidence(evidence))
    return root


def test_deploy_v110_then_roll_back_to_v100(tmp_path: Path, url: str) -> None:
    models = tmp_path / "models"
    root = container(models, url)
    service = root.registry().service()
    v1 = service.register(str(write_model(models, card(1, accuracy=0.70))), T0, tag="v1.0.0")
    v11 = service.register(str(write_model(models, card(2, accuracy=0.73))), T0, tag="v1.1.0")
    assert service.promote("v1.0.0", T0 + timedelta(hours=1)).entry.promotion is PromotionKind.GATED
    assert service.promote("v1.1.0", T0 + timedelta(hours=2)).replaced == "v1.0.0"
    link = models / "promoted" / "lstm_btc"
    assert os.readlink(link) == f"../{v11.file}"

    done = service.rollback("v1.0.0", "v1.1.0 lost 6 of its first 8 live trades", T0 + timedelta(hours=3))

    assert (done.restored.tag, done.pulled.tag) == ("v1.0.0", "v1.1.0")
    registry = root.registry().registry_store().load()  # read back from registry.json
    assert registry.promoted == {"lstm_btc": "v1.0.0"}
    assert registry.entry("v1.1.0").rollback_reason == "v1.1.0 lost 6 of its first 8 live trades"
    assert os.readlink(link) == f"../{v1.file}" and link.resolve().with_suffix(".json").is_file()
    engine = create_engine(url)
    try:
        upgrade(engine)
        deployments = SqlDeploymentRepository(engine)
        rows = [(d.version, d.rollback_reason, d.deployed_at) for d in deployments.list()]
        assert rows == [("v1.0.0", None, T0 + timedelta(hours=3)),
                        ("v1.1.0", "v1.1.0 lost 6 of its first 8 live trades", T0 + timedelta(hours=2)),
                        ("v1.0.0", None, T0 + timedelta(hours=1))]
        latest = deployments.latest()
        assert latest is not None and latest.version == "v1.0.0" and latest.model_path == str(models / v1.file)
    finally:
        engine.dispose()


def test_boot_check_through_the_container(tmp_path: Path) -> None:
    models, url = tmp_path / "models", f"sqlite:///{tmp_path}/store.db"
    dry = container(models, url, evidence=GOOD_EVIDENCE)
    service = dry.registry().service()
    service.register(str(write_model(models, card(1, accuracy=0.60))), T0)
    with pytest.raises(PromotionRefused, match=r"BTCUSDT validation accuracy 0.6 < 0.68"):
        service.promote("v1.0.0", T0)
    service.promote("v1.0.0", T0, research=True)
    (warning,) = dry.registry().boot_check()
    assert "promoted for research WITHOUT passing its gates" in warning
    with pytest.raises(UngatedModelError, match="live mode refuses ungated models"):
        container(models, url, mode="live").registry().boot_check()
