"""A model is served only the feature set it was trained on: names in order, the fitted normalizer
(its hash, recomputed from the manifest fed) and the label horizon; anything else is refused at
construction, saying what differs."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from adapters.features import PandasFeatureCalculator
from application.models.serving import FeatureInputs, FeatureSetMismatch, check_feature_set
from application.models.training.cards import normalizer_hash
from domain.models.cards import ModelCard, ModelKind
from tests.unit.serving.builders import card_and_network, feature_set


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return feature_set(tmp_path_factory.mktemp("features"))


@pytest.fixture(scope="module")
def card(manifest: dict[str, Any]) -> ModelCard:
    return card_and_network(ModelKind.TRANSFORMER, ("BTCUSDT", "ETHUSDT"), manifest, seed=0)[0]


def refused(card: ModelCard, manifest: dict[str, Any]) -> str:
    with pytest.raises(FeatureSetMismatch) as caught:
        check_feature_set(card, "rebuilt", manifest)
    message = str(caught.value)
    assert message.startswith(f"model {card.name} was trained on feature set fs; the set it is fed (rebuilt)")
    return message


def test_the_set_it_was_trained_on_is_accepted(card: ModelCard, manifest: dict[str, Any]) -> None:
    check_feature_set(card, "fs", manifest)


def test_missing_extra_and_reordered_names_are_named(card: ModelCard, manifest: dict[str, Any]) -> None:
    names = list(manifest["features"])
    renamed = [*names[:-1], "natr_20"]
    assert f"missing ['{names[-1]}'], extra ['natr_20']" in refused(card, {**manifest, "features": renamed})
    swapped = [names[1], names[0], *names[2:]]
    assert "the same names in another order" in refused(card, {**manifest, "features": swapped})


def test_a_refitted_normalizer_is_named_by_both_hashes(card: ModelCard, manifest: dict[str, Any]) -> None:
    refitted = copy.deepcopy(manifest)
    refitted["pairs"]["ETHUSDT"]["normalizer"]["ret_1"]["std"] *= 1.01
    message = refused(card, refitted)
    fed = normalizer_hash(refitted, card.pairs)
    assert re.search(rf"normalizer hash {re.escape(fed[:19])}\.\.\. is not the card's "
                     rf"{re.escape(card.normalizer_hash[:19])}\.\.\.", message), message
    only_btc = {**manifest, "pairs": {"BTCUSDT": manifest["pairs"]["BTCUSDT"]}}
    assert "no fitted normalizer for ETHUSDT" in refused(card, only_btc)


def test_another_label_horizon_is_refused(card: ModelCard, manifest: dict[str, Any]) -> None:
    relabelled = {**manifest, "label_spec": {**manifest["label_spec"], "horizon": 30}}
    assert f"label horizon 30 min is not the card's {card.horizon_minutes} min" in refused(card, relabelled)


def test_a_set_needing_more_than_ohlcv_is_refused_before_any_prediction(manifest: dict[str, Any]) -> None:
    with_extras = {**manifest, "features": [*manifest["features"], "taker_buy_ratio"]}
    with pytest.raises(FeatureSetMismatch, match=r"needs \['taker_buy_ratio'\], which candles alone \(OHLCV\)"):
        FeatureInputs("fs", with_extras, PandasFeatureCalculator())
