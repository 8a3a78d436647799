"""The register / promote / rollback use cases over in-memory doubles of the store, the
deployments and the validation evidence: every gate is run, every failure listed, a gate that
cannot run is not a pass, research promotions are marked and kept out of live mode."""

from __future__ import annotations

from datetime import timedelta

import pytest

from application.evaluation.evaluate import ChallengeEvidence
from application.models.ports import ModelFileError, NoEvidence
from application.models.registry import (
    PromotionRefused,
    RegistryService,
    UngatedModelError,
    require_servable,
)
from domain.evaluation.gates import Gates
from domain.models.registry import PromotionKind, TagConflict
from domain.signals.signal import Mode
from tests.fakes.registry import FixedEvidence, InMemoryRegistryStore
from tests.unit.persistence.fakes import InMemoryDeploymentRepository
from tests.unit.registry.builders import GOOD_EVIDENCE, T0, card

NO_BACKTEST = NoEvidence("no validation backtest is wired into this registry")


def service(evidence: ChallengeEvidence | NoEvidence = GOOD_EVIDENCE) -> RegistryService:
    return RegistryService(InMemoryRegistryStore(), InMemoryDeploymentRepository(), FixedEvidence(evidence), Gates())


def store_of(s: RegistryService) -> InMemoryRegistryStore:
    assert isinstance(s.store, InMemoryRegistryStore)
    return s.store


def test_register_takes_the_next_patch_of_the_role_unless_a_tag_is_given() -> None:
    s = service()
    first = s.register(store_of(s).add_model(card(1)), T0)
    second = s.register(store_of(s).add_model(card(2)), T0)
    eth = s.register(store_of(s).add_model(card(3, pairs=("ETHUSDT",))), T0)
    chosen = s.register(store_of(s).add_model(card(4)), T0, tag="1.4.0")
    assert [e.tag for e in (first, second, eth, chosen)] == ["v1.0.0", "v1.0.1", "v1.0.2", "v1.4.0"]
    assert s.register(store_of(s).add_model(card(5)), T0).tag == "v1.4.1"
    assert (first.role, eth.role, first.sha256) == ("lstm_btc", "lstm_eth", store_of(s).inspect(first.file).sha256)
    assert dict(first.metrics["validation"])["accuracy_BTCUSDT"] == 0.71


def test_registering_the_same_weights_again_keeps_their_tag_and_writes_nothing() -> None:
    s = service()
    path = store_of(s).add_model(card(1))
    s.register(path, T0)
    saves = store_of(s).saves
    assert s.register(path, T0 + timedelta(days=1)).tag == "v1.0.0" and store_of(s).saves == saves
    with pytest.raises(TagConflict, match=r"already registered as v1.0.0"):
        s.register(path, T0, tag="v2.0.0")
    with pytest.raises(TagConflict, match=r"v1.0.0 already names other weights"):
        s.register(store_of(s).add_model(card(2)), T0, tag="v1.0.0")


def test_weights_that_are_not_the_cards_are_refused_at_registration() -> None:
    s = service()
    path = store_of(s).add_model(card(1))
    store_of(s).files[path] = b"other bytes"
    with pytest.raises(ModelFileError, match="not the weights the card describes"):
        s.register(path, T0)
    assert not store_of(s).registry.entries


def test_promote_refuses_listing_every_failed_gate_and_the_gate_that_could_not_run() -> None:
    s = service(NO_BACKTEST)
    tag = s.register(store_of(s).add_model(card(1, accuracy=0.55, calibration=0.09)), T0).tag
    with pytest.raises(PromotionRefused) as refused:
        s.promote(tag, T0)
    assert refused.value.reasons == (
        "promotion: BTCUSDT validation accuracy 0.55 < 0.68",
        "promotion: tier calibration MAE 0.09 > 0.05",
        "challenge: not run (no validation backtest is wired into this registry), which is not a pass",
    )
    assert not store_of(s).registry.promoted and not store_of(s).links and not s.deployments.list()


def test_a_card_that_lacks_figures_and_a_failed_challenge_are_all_listed() -> None:
    s = service(ChallengeEvidence(pass_rate=0.4, attempts=12))
    split = {"train": ["2024-01-01T00:00:00+00:00", "2024-06-01T00:00:00+00:00"],
             "validation": ["2024-03-01T00:00:00+00:00", "2024-07-01T00:00:00+00:00"]}
    tag = s.register(store_of(s).add_model(card(1, calibration=None, leakage=None, split=split)), T0).tag
    with pytest.raises(PromotionRefused) as refused:
        s.promote(tag, T0)
    reasons = refused.value.reasons
    assert "card: the card's validation metrics lack calibration_error" in reasons
    assert "card: the feature set's leakage check was not run (leakage_passed is null)" in reasons
    assert any(r.startswith("card: the card's split periods train and validation overlap") for r in reasons)
    assert "promotion: not validated on a time split (a shuffled split leaks the future)" in reasons
    assert "promotion: leakage check did not pass" in reasons
    assert "challenge: pass rate 0.4 < 0.7" in reasons and "challenge: attempts 12 < 20" in reasons


def test_a_model_passing_every_gate_is_promoted_gated_and_recorded() -> None:
    s = service()
    tag = s.register(store_of(s).add_model(card(1)), T0).tag
    done = s.promote(tag, T0 + timedelta(hours=1))
    assert done.entry.promotion is PromotionKind.GATED and done.replaced is None
    assert [v.passed for v in done.verdicts] == [True, True]
    assert store_of(s).registry.promoted == {"lstm_btc": "v1.0.0"} and store_of(s).links == {"lstm_btc": done.entry.file}
    (row,) = s.deployments.list()
    assert (row.version, row.model_path, row.deployed_at, row.rollback_reason) == (
        "v1.0.0", f"memory/{done.entry.file}", T0 + timedelta(hours=1), None)
    assert row.metrics["gated"] == 1.0 and row.metrics["accuracy_BTCUSDT"] == 0.71
    assert require_servable(store_of(s).registry, Mode.LIVE) == ()


def test_research_promotion_is_allowed_marked_and_refused_at_boot_in_live_mode() -> None:
    s = service(NO_BACKTEST)
    tag = s.register(store_of(s).add_model(card(1, accuracy=0.55)), T0).tag
    done = s.promote(tag, T0, research=True)
    assert done.entry.promotion is PromotionKind.RESEARCH
    assert done.entry.gate_failures[0] == "promotion: BTCUSDT validation accuracy 0.55 < 0.68"
    assert s.deployments.list()[0].metrics["gated"] == 0.0
    (warning,) = require_servable(store_of(s).registry, Mode.DRYRUN)
    assert "lstm_btc serves v1.0.0" in warning and "WITHOUT passing its gates" in warning
    with pytest.raises(UngatedModelError, match=r"live mode refuses ungated models: lstm_btc serves v1.0.0"):
        require_servable(store_of(s).registry, Mode.LIVE)
    assert require_servable(store_of(s).registry, Mode.LIVE, roles=("lstm_eth",)) == ()


def test_research_promotion_is_refused_in_live_mode_and_changes_nothing() -> None:
    s = service(NO_BACKTEST)
    tag = s.register(store_of(s).add_model(card(1, accuracy=0.55)), T0).tag
    with pytest.raises(PromotionRefused) as refused:
        s.promote(tag, T0, research=True, mode=Mode.LIVE)
    assert refused.value.reasons[-1] == "live mode: a research promotion of an ungated model is for dry-run only"
    assert not store_of(s).registry.promoted and not s.deployments.list()


def test_a_research_flag_on_a_model_that_passes_is_a_gated_promotion() -> None:
    s = service()
    tag = s.register(store_of(s).add_model(card(1)), T0).tag
    assert s.promote(tag, T0, research=True).entry.promotion is PromotionKind.GATED


def test_a_file_changed_after_registering_is_refused_at_promotion() -> None:
    s = service()
    entry = s.register(store_of(s).add_model(card(1)), T0)
    store_of(s).files[entry.card_file] = store_of(s).files[entry.card_file].replace(b"0.71", b"0.91")
    with pytest.raises(ModelFileError, match=r"changed or missing since it was registered as v1.0.0"):
        s.promote(entry.tag, T0)
    assert not store_of(s).registry.promoted


def test_rollback_serves_the_earlier_tag_and_records_the_reason_in_the_deployments() -> None:
    s = service()
    v1 = s.register(store_of(s).add_model(card(1)), T0, tag="v1.0.0")
    v11 = s.register(store_of(s).add_model(card(2)), T0, tag="v1.1.0")
    s.promote(v1.tag, T0)
    assert s.promote(v11.tag, T0 + timedelta(hours=1)).replaced == "v1.0.0"
    done = s.rollback("v1.0.0", "  live win rate collapsed ", T0 + timedelta(hours=2))
    assert (done.restored.tag, done.pulled.tag, done.pulled.rollback_reason) == (
        "v1.0.0", "v1.1.0", "live win rate collapsed")
    assert store_of(s).registry.promoted == {"lstm_btc": "v1.0.0"} and store_of(s).links == {"lstm_btc": v1.file}
    rows = [(d.version, d.rollback_reason) for d in s.deployments.list()]
    assert rows == [("v1.0.0", None), ("v1.1.0", "live win rate collapsed"), ("v1.0.0", None)]
    assert s.deployments.latest().version == "v1.0.0"


def test_a_rollback_to_a_file_changed_since_it_was_registered_is_refused() -> None:
    s = service()
    for seed, tag in ((1, "v1.0.0"), (2, "v1.1.0")):
        s.register(store_of(s).add_model(card(seed)), T0, tag=tag)
        s.promote(tag, T0)
    store_of(s).files[store_of(s).registry.entry("v1.0.0").file] = b"swapped"
    with pytest.raises(ModelFileError, match=r"changed or missing since it was registered as v1\.0\.0"):
        s.rollback("v1.0.0", "why", T0)
    assert store_of(s).registry.promoted == {"lstm_btc": "v1.1.0"} and len(s.deployments.list()) == 2


def test_rollback_needs_a_reason() -> None:
    with pytest.raises(ValueError, match="a rollback needs a reason"):
        service().rollback("v1.0.0", "  ", T0)


def test_a_rollback_from_a_model_with_no_deployment_row_records_one() -> None:
    s = service()
    for seed, tag in ((1, "v1.0.0"), (2, "v1.1.0")):
        s.register(store_of(s).add_model(card(seed)), T0, tag=tag)
        s.promote(tag, T0)
    s.deployments._rows.clear()  # promoted before this store existed
    s.rollback("v1.0.0", "why", T0 + timedelta(hours=1))
    assert [(d.version, d.rollback_reason) for d in s.deployments.list()] == [("v1.0.0", None), ("v1.1.0", "why")]


class BrokenDeployments(InMemoryDeploymentRepository):
    def add(self, deployment) -> None:
        raise OSError("the database is down")


def test_when_the_deployment_row_cannot_be_written_the_registry_is_put_back() -> None:
    s = RegistryService(InMemoryRegistryStore(), BrokenDeployments(), FixedEvidence(GOOD_EVIDENCE), Gates())
    tag = s.register(store_of(s).add_model(card(1)), T0).tag
    with pytest.raises(OSError, match="database is down"):
        s.promote(tag, T0)
    assert not store_of(s).registry.promoted and not store_of(s).links
    assert store_of(s).registry.entry(tag).deployed_at is None
