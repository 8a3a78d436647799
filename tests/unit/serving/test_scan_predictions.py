"""The torch predictor's scan-level call: an LSTM per coin and the transformer across both, the
transformer run once on the stacked windows, give each pair what ``predict`` gives it alone. Within
1e-6, as ``predict_many`` is held to: the batch changes the memory alignment of a transformer's
float32 sums (~1e-8), never which rows a prediction reads."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.torch.serving import ServedModel, TorchEnsemblePredictor
from domain.market.candles import CandleWindow, Pair
from domain.market.quality import Ohlcv
from domain.models.cards import ModelKind
from domain.signals.confidence import EnsembleSettings
from tests.fakes.candles import drop_minutes
from tests.unit.serving.builders import BTC, COLUMNS, ETH, candles, feature_set, served

SOL = Pair("SOLUSDT")


@pytest.fixture(scope="module")
def predictor(tmp_path_factory: pytest.TempPathFactory) -> TorchEnsemblePredictor:
    manifest: dict[str, Any] = feature_set(tmp_path_factory.mktemp("features"))
    models: list[ServedModel] = [served(ModelKind.LSTM, (p.symbol,), manifest, seed=n) for n, p in enumerate((BTC, ETH))]
    models.append(served(ModelKind.TRANSFORMER, ("BTCUSDT", "ETHUSDT"), manifest, seed=2))
    return TorchEnsemblePredictor(models, EnsembleSettings())


def window(pair: Pair, series: Ohlcv, end: int, size: int) -> CandleWindow:
    keep = slice(max(0, end + 1 - size), end + 1)
    return CandleWindow(pair, *(getattr(series, c)[keep] for c in COLUMNS))


def test_a_scan_at_once_gives_each_pair_what_it_gets_alone(predictor: TorchEnsemblePredictor) -> None:
    series = candles()
    checked, largest = 0, 0.0
    for end in range(0, len(series[BTC]), 13):
        windows = {pair: window(pair, series[pair], end, predictor.lookback) for pair in (BTC, ETH)}
        together = predictor.predict_scan(windows)
        assert set(together) == {BTC, ETH}
        for pair, alone in ((p, predictor.predict(w)) for p, w in windows.items()):
            if alone is None:
                assert together[pair] is None, (pair, end)
                continue
            answer = together[pair]
            assert answer is not None and answer.direction is alone.direction, (pair, end)
            assert (answer.horizon_minutes, answer.model) == (alone.horizon_minutes, alone.model)
            largest = max(largest, abs(answer.probability - alone.probability))
            checked += 1
    print(f"{checked} predictions agree, largest probability difference {largest:.3g}")
    assert checked > 300 and largest < 1e-6, (checked, largest)


def test_a_window_no_network_can_read_changes_no_other_pair(predictor: TorchEnsemblePredictor) -> None:
    series, end = candles(), 2000
    holed = drop_minutes(series[ETH], end - 5)  # a minute missing inside both of ETH's windows
    windows = {BTC: window(BTC, series[BTC], end, predictor.lookback),
               ETH: window(ETH, holed, end - 1, predictor.lookback),
               SOL: window(SOL, series[BTC], end, predictor.lookback)}  # a pair no model serves
    together = predictor.predict_scan(windows)
    assert together[ETH] is None and together[SOL] is None
    alone = predictor.predict(windows[BTC])
    assert alone is not None and together[BTC] is not None
    assert abs(together[BTC].probability - alone.probability) < 1e-6


def test_each_network_runs_once_per_scan(predictor: TorchEnsemblePredictor) -> None:
    series, end = candles(), 2000
    batches: dict[str, list[int]] = {}
    hooks = [m.network.register_forward_hook(
        lambda module, args, out, role=m.role: batches.setdefault(role, []).append(len(args[0])))
        for m in predictor.models]
    try:
        predictor.predict_scan({pair: window(pair, series[pair], end, predictor.lookback) for pair in (BTC, ETH)})
    finally:
        for hook in hooks:
            hook.remove()
    assert batches == {"lstm_btc": [1], "lstm_eth": [1], "transformer": [2]}
