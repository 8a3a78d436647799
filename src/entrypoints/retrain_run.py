"""`tradeai retrain` assembled: for each promoted role, the same model trained again walk-forward on
the latest stored candles, validated on the most recent days, registered with the role's next patch
version and promoted only if every gate passes (else the model it would replace keeps serving).

Per role:
1. the promoted card gives the kind, pairs, window, architecture, optimisation and seed;
2. a fresh feature set is built from the stored candles with the card's feature and label specs,
   its normalizer fitted only on the training period (ending an embargo before validation);
3. training reads history up to the validation start, early stopping and calibration the
   validation days; there is no test period (nothing later exists), which the card records;
4. register (next patch tag) and promote through the gates; with --dry-run the gates are evaluated
   on the written model and nothing is registered.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs

from application.features.build import BuildFeatures, BuildRequest
from application.models.registry import PromotionRefused, RegistryService, failures, gate_verdicts
from application.models.training.periods import SplitOptions, TrainingInputError
from application.models.training.ports import TrainingObserver
from application.models.training.train import TrainRequest
from domain.features.definitions import FeatureSpec
from domain.features.labels import LabelSpec
from domain.market.candles import MINUTE_MS, Pair, datetime_to_ms, ms_to_datetime
from domain.models.cards import VALIDATION, ModelCard, accuracy_key
from domain.models.registry import RegistryError
from entrypoints.container import Container
from entrypoints.training_run import build_use_case

ARCHITECTURE = ("epochs", "hidden", "layers", "dropout", "batch", "lr", "weight_decay", "patience", "heads",
                "trend_weight")


@attrs.frozen
class RetrainOptions:
    roles: tuple[str, ...] = ()  # empty: every promoted role
    now: datetime | None = None  # the data's end: default, the last candle every pair of the role holds
    validation_days: int = 30
    train_months: int | None = 12  # None: all the history the store holds
    min_coverage: float = 0.5
    dry_run: bool = False
    device: str = "cpu"
    leakage_samples: int = 3


@attrs.frozen
class RoleOutcome:
    role: str
    replaced: str  # the tag serving before
    tag: str | None  # the new model's tag (None: a dry run registers nothing)
    model: str
    feature_set: str
    split: dict[str, list[str]]
    validation_accuracy: dict[str, float | None]
    promoted: bool
    failures: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return attrs.asdict(self)


def retrain(root: Container, options: RetrainOptions, now: datetime, observer: TrainingObserver,
            code_version: str) -> list[RoleOutcome]:
    """TrainingInputError (bad input: exit 2) when a role is not promoted or the data cannot hold a split."""
    service: RegistryService = root.registry().service()
    registry = service.store.load()
    roles = options.roles or tuple(sorted(registry.promoted))
    if not roles:
        raise TrainingInputError("no role is promoted: nothing to retrain (promote a model first)")
    unknown = [r for r in roles if r not in registry.promoted]
    if unknown:
        raise TrainingInputError(f"--roles: {', '.join(unknown)} never promoted (promoted: "
                                 f"{', '.join(sorted(registry.promoted)) or 'none'})")
    return [_role(root, service, role, options, now, observer, code_version) for role in roles]


def _role(root: Container, service: RegistryService, role: str, options: RetrainOptions, now: datetime,
          observer: TrainingObserver, code_version: str) -> RoleOutcome:
    from adapters.torch.files import read_card

    entry = service.store.load().promoted_entry(role)
    if entry is None:  # promoted when retrain() looked, rolled back since
        raise TrainingInputError(f"{role} is no longer promoted")
    settings = root.settings()
    model_dir = Path(settings.predictor.model_dir)
    card = read_card(model_dir / entry.card_file)
    name = f"retrain_{role}_{now:%Y%m%dT%H%M%S}"
    split = _build_features(root, card, name, options, now)
    features = root.features()
    use_case = build_use_case(root, Path(features.feature_folder()), model_dir, None, options.leakage_samples,
                              card.seed, code_version)
    params = {k: card.params[k] for k in ARCHITECTURE if k in card.params}
    request = TrainRequest(card.kind, card.pairs, params, card.window, card.seed, options.device, name, split,
                           int(card.params.get("stride") or 1), card.params.get("max_samples"))
    report = use_case(request, now, observer)
    trained = report.card
    accuracy = {p: trained.metrics.get(VALIDATION, {}).get(accuracy_key(p)) for p in trained.pairs}
    outcome = RoleOutcome(role, entry.tag, None, trained.name, name, dict(trained.split), accuracy, False, ())
    if options.dry_run:
        verdicts = gate_verdicts(trained, service.evidence.challenge(trained, report.location), service.gates)
        return attrs.evolve(outcome, failures=failures(verdicts))
    try:
        registered = service.register(report.location, now)
    except RegistryError as exc:  # e.g. the same data and seed gave the weights of a registered tag again
        return attrs.evolve(outcome, failures=(f"not registered: {exc}",))
    try:
        service.promote(registered.tag, now, mode=_mode(settings.mode))
    except PromotionRefused as refused:
        return attrs.evolve(outcome, tag=registered.tag, failures=refused.reasons)
    return attrs.evolve(outcome, tag=registered.tag, promoted=True)


def _mode(mode: str) -> Any:
    from domain.signals.signal import Mode

    return Mode(mode)


def _build_features(root: Container, card: ModelCard, name: str, options: RetrainOptions,
                    now: datetime) -> SplitOptions:
    """A feature set over the latest data, fitted on the training period only; the split it serves."""
    store = root.data().candle_store()
    pairs = [Pair(p) for p in card.pairs]
    series = [store.load(p) for p in pairs]
    empty = [p.symbol for p, s in zip(pairs, series, strict=True) if not len(s)]
    if empty:
        raise TrainingInputError(f"no stored candles for {', '.join(empty)}: import them first")
    end = options.now or ms_to_datetime(min(int(s.open_time_ms[-1]) for s in series) + MINUTE_MS)
    validation_start = end - timedelta(days=options.validation_days)
    first = ms_to_datetime(max(int(s.open_time_ms[0]) for s in series))
    train_start = (max(first, validation_start - timedelta(days=30 * options.train_months))
                   if options.train_months else first)
    labels, spec = _specs(root, card)
    embargo = timedelta(minutes=labels.horizon)
    if validation_start - embargo <= train_start:
        raise TrainingInputError(f"{role_pairs(card)}: no training history before the validation start "
                                 f"{validation_start:%Y-%m-%d %H:%M}")
    # over every stored candle (no --start/--end): the leakage check can then rebuild it from the store
    request = BuildRequest(name, tuple(pairs), datetime_to_ms(train_start), datetime_to_ms(validation_start - embargo),
                           spec=spec, labels=labels)
    BuildFeatures(store, root.features().calculator(), root.features().feature_store())(request, now)
    return SplitOptions(train_start=train_start, train_end=validation_start, validation_end=end,
                        min_coverage=options.min_coverage, no_test=True)


def _specs(root: Container, card: ModelCard) -> tuple[LabelSpec, FeatureSpec]:
    """The trained model's label and feature specs, from its feature set's manifest when it is still
    there; else the defaults with the card's horizon."""
    try:
        manifest = root.features().feature_store().manifest(card.feature_set)
        return LabelSpec(**manifest["label_spec"]), FeatureSpec(**manifest["feature_spec"])
    except Exception:  # a removed set: the features are the defaults the card's names came from
        return LabelSpec(horizon=card.horizon_minutes), FeatureSpec()


def role_pairs(card: ModelCard) -> str:
    return f"{card.kind.value} {','.join(card.pairs)}"
