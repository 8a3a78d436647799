"""Synthetic rows in a training run (`tradeai train --synthetic-set`): the GAN track's tagged
candles (application.research) mixed into the training split only, at a share within the cap
(domain.research.synthetic: 10 % by default, refused above 20 %). Periods are drawn from real
rows alone, so validation and test stay real; the card records the share, the rows and the
generator's version. Off unless asked: the ablation found synthetic data does not help."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import attrs
import numpy as np

from application.features.ports import FeatureStore, PairFeatures
from application.models.training.periods import TrainingInputError
from application.models.training.samples import FeatureMatrix, SampleSet
from application.research.ablation import MixedMatrix, mix_matrix, training_samples
from application.research.gan_data import GanInputError
from domain.research.synthetic import SyntheticMix, SyntheticShareError, require_real


@attrs.frozen
class SyntheticTraining:
    feature_set: str  # made by `tradeai research gan sample`: every row tagged synthetic
    mix: SyntheticMix


def mixed_matrix(synthetic: SyntheticTraining, store: FeatureStore, tables: Sequence[PairFeatures],
                 features: Sequence[str], window: int) -> MixedMatrix:
    if len(tables) != 1:
        raise TrainingInputError("--synthetic-set: synthetic rows train a one-pair model (an LSTM), "
                                 f"got {len(tables)} pairs")
    pair = tables[0].pair.symbol
    found = [t for t in store.load(synthetic.feature_set) if t.pair.symbol == pair]
    if not found:
        raise TrainingInputError(f"--synthetic-set: feature set {synthetic.feature_set} holds no {pair}")
    try:
        return mix_matrix(tables[0], found[0], features, window)
    except GanInputError as exc:
        raise TrainingInputError(f"--synthetic-set {synthetic.feature_set}: {exc}") from exc


def real_rows_only(mixed: MixedMatrix) -> FeatureMatrix:
    """The matrix with synthetic rows unlabelled, so no period draws them (they borrow real minutes)."""
    return attrs.evolve(mixed.matrix, labelled=mixed.matrix.labelled & ~mixed.synthetic)


def with_synthetic(mixed: MixedMatrix, sets: Mapping[str, SampleSet], train: str, synthetic: SyntheticTraining,
                   seed: int) -> tuple[dict[str, SampleSet], dict[str, Any]]:
    """The sets with the synthetic share added to ``train`` (drawn with ``seed``), the other periods
    checked to hold real rows only, and what the card records of it."""
    for name, samples in sets.items():
        if name != train:
            require_real(name, int(np.count_nonzero(mixed.synthetic[samples.rows])))
    try:
        drawn = training_samples(mixed, sets[train], synthetic.mix, seed)
    except (GanInputError, SyntheticShareError) as exc:
        raise TrainingInputError(f"--synthetic-share: {exc}") from exc
    rows = int(np.count_nonzero(mixed.synthetic[drawn.rows]))
    return {**sets, train: drawn}, {"synthetic_set": synthetic.feature_set, "synthetic_share": synthetic.mix.share,
                                    "synthetic_rows": rows, "generator_version": mixed.generator_version}
