"""PREDICTOR=torch: the container serves the registry's promoted models to the runtime and the
backtest (one instance), says what it does not serve, and refuses a weights file or a card that
changed after registration, naming the tag and the file. Seeded untrained networks on synthetic
candles (tests/unit/serving/builders.py): no shared data needed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from adapters.torch.serving import TorchEnsemblePredictor
from entrypoints.container import build_container
from entrypoints.model_serving import ServingError
from entrypoints.settings import Settings, load_settings
from tests.unit.serving.builders import feature_set, register_promoted


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    data_dir = tmp_path / "data"
    manifest = feature_set(data_dir / "features")
    return tmp_path, register_promoted(tmp_path / "models", manifest)


def settings(root: Path, **extra: str) -> Settings:
    env = {"PREDICTOR": "torch", "MODEL_DIR": str(root / "models"), "DATA_DIR": str(root / "data"),
           "DATABASE_URL": f"sqlite:///{root}/store.db", **extra}
    return load_settings(dotenv_path=None, environ=env).settings


def test_the_torch_choice_serves_the_promoted_models(folders: tuple[Path, dict[str, str]]) -> None:
    root, _ = folders
    container = build_container(settings(root))
    with capture_logs() as logs:
        runtime = container.runtime().predictor()
    backtest = container.backtest().predictor()
    assert isinstance(runtime, TorchEnsemblePredictor) and backtest is runtime
    assert runtime.version == "torch:lstm_btc=v1.0.0,transformer=v1.0.1"
    assert runtime.pairs == ("BTCUSDT", "ETHUSDT")
    said = [entry["detail"] for entry in logs if entry["event"] == "serving_notice"]
    assert said == ["ETHUSDT: ensemble of transformer only (lstm not served); weights renormalised",
                    "BNBUSDT: no served model covers it: no prediction"]


def test_tags_named_in_the_settings_are_served_instead(folders: tuple[Path, dict[str, str]]) -> None:
    root, _ = folders
    served = build_container(settings(root, PREDICTOR_TAGS="v1.0.1")).runtime().predictor()
    assert served.version == "torch:transformer=v1.0.1"
    with pytest.raises(ServingError, match=r"no model is registered as v9\.9\.9"):
        build_container(settings(root, PREDICTOR_TAGS="v9.9.9")).runtime().predictor()


def test_weights_replaced_after_registration_are_refused_naming_tag_and_file(
        folders: tuple[Path, dict[str, str]]) -> None:
    root, tags = folders
    lstm, transformer = sorted(tags, key=lambda f: tags[f])
    (root / "models" / lstm).write_bytes((root / "models" / transformer).read_bytes())
    with pytest.raises(ServingError, match=rf"v1\.0\.0: .*{lstm}: sha256 .* is not the .* registered as v1\.0\.0"):
        build_container(settings(root)).runtime().predictor()


def test_a_card_edited_after_registration_is_refused(folders: tuple[Path, dict[str, str]]) -> None:
    root, tags = folders
    transformer = next(f for f, tag in tags.items() if tag == "v1.0.1")
    card_path = (root / "models" / transformer).with_suffix(".json")
    card = json.loads(card_path.read_text())
    card["calibration"] = {"method": "platt", "applied": True, "params": {"a": 5.0, "b": 0.0}}
    card_path.write_text(json.dumps(card))
    with pytest.raises(ServingError, match=rf"v1\.0\.1: .*{card_path.name}: sha256 .* registered as v1\.0\.1"):
        build_container(settings(root)).backtest().predictor()


def test_weights_that_leave_a_served_pair_without_a_model_are_refused(folders: tuple[Path, dict[str, str]]) -> None:
    root, _ = folders
    lstm_only = settings(root, ENSEMBLE_WEIGHTS_WITHOUT_RL="lstm=1")
    with pytest.raises(ServingError, match=r"ETHUSDT: no served model \(transformer\) has a positive ensemble weight"):
        build_container(lstm_only).runtime().predictor()
