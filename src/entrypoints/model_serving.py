"""Builds the ``torch`` predictor from the registry: each role's promoted model, or the tags asked
for (``PREDICTOR_TAGS``, ``tradeai backtest --predictor v1.0.0``). Every model is checked before
it serves: its weights are the ones the registry recorded (sha256), its card matches them, and the
feature set it is fed is the one it was trained on. Any failure is ``ServingError`` naming the tag,
the file or the feature set."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import structlog

from adapters.torch.serving import ServedModel, TorchEnsemblePredictor
from application.features.ports import FeatureCalculator, FeatureSetError, FeatureStore
from application.models.ports import ModelFileError, RegistryStore
from application.models.serving import FeatureInputs, FeatureSetMismatch, check_feature_set
from domain.models.registry import Registry, RegistryEntry, RegistryError
from domain.signals.confidence import EnsembleSettings
from entrypoints.settings import Settings
from entrypoints.settings.domain_config import parse_weights


class ServingError(Exception):
    """A model cannot serve; the message names the tag, the file or the feature set."""


def chosen_entries(registry: Registry, tags: Sequence[str]) -> list[RegistryEntry]:
    """The entries of ``tags``, else of every promoted role; one model per role."""
    try:
        entries = ([registry.entry(tag) for tag in tags] if tags
                   else [e for role in sorted(registry.promoted) if (e := registry.promoted_entry(role))])
    except (RegistryError, ValueError) as exc:  # an unknown tag, or one that is not a version
        raise ServingError(str(exc)) from None
    if not entries:
        raise ServingError("no model is promoted: promote one (`tradeai model promote TAG`), name tags to serve "
                           "(PREDICTOR_TAGS), or use PREDICTOR=baseline")
    roles = [e.role for e in entries]
    doubled = sorted({r for r in roles if roles.count(r) > 1})
    if doubled:
        raise ServingError(f"one model per role: {', '.join(doubled)} named twice ({', '.join(tags)})")
    return entries


def served_model(card_path: Path, tag: str, role: str, features: FeatureStore, calculator: FeatureCalculator,
                 sets: dict[str, FeatureInputs]) -> ServedModel:
    """The weights beside ``card_path`` (checked against their card), fed the feature set the card
    names once it is shown to be the one the model was trained on; ``sets`` shares the sets' inputs."""
    from adapters.torch import ModelFileError, load_model

    try:
        card, model = load_model(card_path)
    except ModelFileError as exc:
        raise ServingError(f"{tag}: {exc}") from None
    try:
        manifest = features.manifest(card.feature_set)
        check_feature_set(card, card.feature_set, manifest)
    except (FeatureSetError, FeatureSetMismatch) as exc:
        raise ServingError(f"{tag}: {exc}") from None
    if card.feature_set not in sets:
        sets[card.feature_set] = FeatureInputs(card.feature_set, manifest, calculator)
    return ServedModel(tag, role, card, model.network, sets[card.feature_set])


def load_served(entry: RegistryEntry, model_dir: Path, features: FeatureStore, calculator: FeatureCalculator,
                sets: dict[str, FeatureInputs], store: RegistryStore | None = None) -> ServedModel:
    """The entry's model, once ``store`` (by default the registry in ``model_dir``) finds its weights
    and its card on disk to be the ones registered: a card edited since (its calibration, say)
    would change what is served as silently as new weights."""
    if store is None:
        from adapters.registry import JsonRegistryStore

        store = JsonRegistryStore(model_dir)
    try:
        store.verify(entry)
    except ModelFileError as exc:
        raise ServingError(f"{entry.tag}: {exc}") from None
    served = served_model(model_dir / entry.card_file, entry.tag, entry.role, features, calculator, sets)
    if served.card.weights_sha256 != entry.sha256:
        raise ServingError(f"{entry.tag}: {entry.file} holds weights {served.card.weights_sha256[:12]}..., the "
                           f"registry recorded {entry.sha256[:12]}...: the file was replaced after registration")
    return served


def torch_predictor(registry: Registry, model_dir: Path, tags: Sequence[str], features: FeatureStore,
                    calculator: FeatureCalculator, ensemble: EnsembleSettings,
                    notice: Callable[[str], None], pairs: Sequence[str] = (),
                    store: RegistryStore | None = None) -> TorchEnsemblePredictor:
    """``pairs``: those the caller will ask about; each no served model covers is said in ``notice``."""
    sets: dict[str, FeatureInputs] = {}
    models = [load_served(e, model_dir, features, calculator, sets, store) for e in chosen_entries(registry, tags)]
    try:
        return TorchEnsemblePredictor(models, ensemble, notice, pairs)
    except ValueError as exc:  # the served models disagree with each other or with the ensemble weights
        raise ServingError(str(exc)) from None


def ensemble_of(settings: Settings) -> EnsembleSettings:
    return EnsembleSettings(with_rl=parse_weights(settings.ensemble.weights),
                            without_rl=parse_weights(settings.ensemble.weights_without_rl),
                            bias_pp=settings.ensemble.bias_pp)


def predictor_from_settings(settings: Settings, store: RegistryStore, features: FeatureStore,
                            calculator: FeatureCalculator) -> TorchEnsemblePredictor:
    log = structlog.get_logger("serving")
    return torch_predictor(store.load(), Path(settings.predictor.model_dir), settings.predictor.tags, features,
                           calculator, ensemble_of(settings), lambda line: log.warning("serving_notice",
                                                                                      detail=line),
                           settings.pairs, store)
