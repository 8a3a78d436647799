"""Bulk scoring split into pieces (a pair, or hours of one) gives every bar the score it gets in
one pass, gaps included; pieces that read other bars than the engine holds stop the run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import numpy as np
import pytest

from adapters.predictors.baseline import BaselineMomentumPredictor
from adapters.predictors.random_direction import RandomDirectionPredictor
from application.backtest.ports import BulkPredictor
from application.backtest.scoring import InProcessScoring, PieceScoring, ScoringMismatch, between
from application.tasks import SerialRunner
from domain.market.candles import Pair, datetime_to_ms
from domain.market.quality import Ohlcv
from tests.fakes.series import random_walk

START = datetime(2024, 3, 1, tzinfo=UTC)
BTC, ETH = Pair.parse("BTCUSDT"), Pair.parse("ETHUSDT")


@attrs.frozen
class Held:
    candles: dict[Pair, Ohlcv]

    def read(self, pair: Pair) -> Ohlcv:
        return self.candles[pair]


def _candles() -> dict[Pair, Ohlcv]:
    btc = random_walk(START, 600, seed=1, price=60_000.0)
    gap = np.r_[0:250, 270:600]  # twenty minutes missing: windows across it are not scored
    return {BTC: btc.take(gap), ETH: random_walk(START, 600, seed=2, price=3_000.0)}


@pytest.mark.parametrize("piece", [None, timedelta(minutes=37), timedelta(hours=2)])
@pytest.mark.parametrize("predictor", [BaselineMomentumPredictor(), RandomDirectionPredictor(seed=3)],
                         ids=["momentum", "random"])
def test_pieces_score_every_bar_as_one_pass_does(piece: timedelta | None, predictor: BulkPredictor) -> None:
    candles = _candles()
    since, until = datetime_to_ms(START + timedelta(minutes=5)), datetime_to_ms(START + timedelta(minutes=590))
    series = {p: between(o, since, until) for p, o in candles.items()}
    whole = InProcessScoring().score(predictor, series, since, until)
    pieces = PieceScoring(SerialRunner(), Held(candles), piece).score(predictor, series, since, until)
    for pair in series:
        np.testing.assert_array_equal(pieces[pair].direction, whole[pair].direction)
        np.testing.assert_array_equal(pieces[pair].probability, whole[pair].probability)
        assert (pieces[pair].model, pieces[pair].horizon_minutes) == (whole[pair].model, whole[pair].horizon_minutes)
    assert np.isfinite(whole[ETH].probability).sum() > 400  # most bars are scored, so equal is not trivially equal


def test_pieces_over_other_candles_are_refused() -> None:
    candles = _candles()
    since, until = datetime_to_ms(START), datetime_to_ms(START + timedelta(minutes=600))
    series = {p: between(o, since, until) for p, o in candles.items()}
    other = {BTC: candles[BTC].take(slice(1, None)), ETH: candles[ETH]}
    with pytest.raises(ScoringMismatch, match="BTCUSDT: the workers read 579 bars, the backtest holds 580"):
        PieceScoring(SerialRunner(), Held(other)).score(BaselineMomentumPredictor(), series, since, until)


def test_a_piece_must_be_positive() -> None:
    with pytest.raises(ValueError, match="piece must be positive"):
        PieceScoring(SerialRunner(), Held({}), timedelta(0))
