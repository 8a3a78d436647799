"""The ``torch`` predictor: the served models (an LSTM per coin, the transformer across coins) and
the domain's ensemble over their calibrated P(up).

For each pair every served model covering it scores the window ending at a bar; each P(up) goes
through its card's calibration when the card says it was applied; ``ensemble_many`` (the domain's
weights and conservative bias) gives the direction and the confidence the runtime tiers. The
runtime's ``predict_scan`` (``predict`` is a scan of one window) scores each window's last bar with
the same features, networks, calibration and ensemble as the backtest's ``predict_many`` scores every
bar; it computes only the rows the last bar reads and runs each network once on the stacked windows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import attrs
import numpy as np
import torch
from numpy.lib.stride_tricks import sliding_window_view
from torch import nn

from adapters.torch.networks import UP
from application.backtest.ports import BulkPredictions, BulkPredictor
from application.features.ports import PairFeatures
from application.models.ports import ScanPredictor
from application.models.serving import FeatureInputs, PairInputs
from application.models.training.calibrate import apply_mapping
from application.models.training.samples import full_windows
from domain.market.candles import CandleWindow, Direction, FloatArray, Pair
from domain.market.quality import Ohlcv
from domain.models.cards import ModelCard
from domain.signals.confidence import EnsembleSettings, IsotonicMapping, PlattMapping, ensemble_many
from domain.signals.signal import Prediction

BATCH = 4096
SERVING_THREADS = 1


def use_serving_threads() -> None:
    """One intra-op thread for the runtime, process-wide: a scan scores one window per pair and model,
    tensors of tens of rows, where a second thread costs more in hand-off than it saves, and where
    cores are shared a waiting OpenMP thread stalls the scan (benchmarks/bench_inference.py
    --threads 2). Called by the runtime's boot only: backtests and training keep torch's default."""
    torch.set_num_threads(SERVING_THREADS)


@attrs.frozen(eq=False)
class ServedModel:
    tag: str
    role: str
    card: ModelCard
    network: nn.Module
    inputs: FeatureInputs  # the feature set it was trained on, checked against its card

    def calibrated(self, p_up: FloatArray) -> FloatArray:
        return as_card_calibrates(self.card, p_up)


def as_card_calibrates(card: ModelCard, p_up: FloatArray) -> FloatArray:
    """P(up) through the card's calibration map when the card says it was applied."""
    calibration = card.calibration
    if not calibration or not calibration.get("applied"):
        return p_up
    params = calibration["params"]
    mapping = (PlattMapping(params["a"], params["b"]) if calibration["method"] == "platt"
               else IsotonicMapping(params["x"], params["y"]))
    return apply_mapping(mapping, p_up)


def _ensemble_for(pair: str, kinds: set[str], settings: EnsembleSettings,
                  notice: Callable[[str], None]) -> EnsembleSettings:
    """The configured weights of the kinds served for ``pair`` (the bias unchanged); what differs
    from the configuration is said, never silently dropped."""
    configured = settings.weights_for(kinds)
    weights = {k: w for k, w in configured.items() if k in kinds}
    if sum(weights.values()) <= 0:
        raise ValueError(f"{pair}: no served model ({', '.join(sorted(kinds))}) has a positive ensemble weight "
                         f"(configured: {configured})")
    absent, unweighted = sorted(set(configured) - kinds), sorted(kinds - set(configured))
    if absent:
        notice(f"{pair}: ensemble of {', '.join(sorted(kinds))} only ({', '.join(absent)} not served); "
               "weights renormalised")
    if unweighted:
        notice(f"{pair}: {', '.join(unweighted)} served but without an ensemble weight: left out of the ensemble")
    return EnsembleSettings(without_rl=weights, with_rl=weights, rl_model=settings.rl_model, bias_pp=settings.bias_pp)


@attrs.frozen(eq=False)
class _Tail:
    """What scoring a window's last bar reads: its inputs per feature set (by id) and their open times."""

    pair: str
    inputs: dict[int, PairInputs]
    times: np.ndarray


class TorchEnsemblePredictor(ScanPredictor, BulkPredictor):
    """``notice`` receives one line per departure from the configuration, at construction: a kind
    not served for a pair, and each of ``pairs`` (what the caller will ask about) no model covers."""

    def __init__(self, models: Sequence[ServedModel], settings: EnsembleSettings,
                 notice: Callable[[str], None] = lambda line: None, pairs: Sequence[str] = ()) -> None:
        if not models:
            raise ValueError("no model to serve")
        horizons = {m.card.horizon_minutes for m in models}
        if len(horizons) != 1:
            raise ValueError(f"served models disagree on the horizon: {sorted(horizons)} minutes")
        self._horizon = horizons.pop()
        self._models = tuple(models)
        self._by_pair: dict[str, list[ServedModel]] = {}
        for model in models:
            for pair in model.card.pairs:
                self._by_pair.setdefault(pair, []).append(model)
        self._ensembles = {pair: _ensemble_for(pair, {m.card.kind.value for m in served}, settings, notice)
                           for pair, served in sorted(self._by_pair.items())}
        # a model without a weight for a pair is not run for it
        self._by_pair = {pair: [m for m in served if m.card.kind.value in dict(self._ensembles[pair].without_rl)]
                         for pair, served in self._by_pair.items()}
        for pair in pairs:
            if pair not in self._by_pair:
                notice(f"{pair}: no served model covers it: no prediction")
        self._lookback = max(m.inputs.history(m.card.window) for m in models)
        # scoring the last bar reads the features of its windows' rows only
        self._last_rows = {pair: max(m.card.window for m in served) for pair, served in self._by_pair.items()}
        self._version = "torch:" + ",".join(f"{m.role}={m.tag}" for m in sorted(models, key=lambda m: m.role))

    @property
    def lookback(self) -> int:
        return self._lookback

    @property
    def version(self) -> str:
        return self._version

    @property
    def models(self) -> tuple[ServedModel, ...]:
        return self._models

    @property
    def pairs(self) -> tuple[str, ...]:
        return tuple(sorted(self._by_pair))

    def predict(self, window: CandleWindow) -> Prediction | None:
        return self.predict_scan({window.pair: window})[window.pair]

    def predict_scan(self, windows: Mapping[Pair, CandleWindow]) -> dict[Pair, Prediction | None]:
        """``predict`` of each window with every network run once on the stacked windows it serves
        (the transformer on all pairs at once). Each prediction reads only its own window; the batch
        moves a transformer's float32 sums by ~1e-8 (their order depends on memory alignment)."""
        tails = {key: self._tail(window) for key, window in windows.items()}
        ready = {key: tail for key, tail in tails.items() if tail is not None}
        p_up: dict[Pair, dict[str, float]] = {key: {} for key in ready}
        for model in self._models:
            served = [key for key, tail in ready.items() if any(m is model for m in self._by_pair[tail.pair])]
            last = {key: ready[key].inputs[id(model.inputs)] for key in served}
            full = [key for key in served if last[key].window_ends(ready[key].times, model.card.window)[-1]]
            for key in served:
                p_up[key][model.card.kind.value] = float("nan")
            if full:
                raw = forward_last(model.network, [last[key].values[-model.card.window:] for key in full],
                                   [model.card.pairs.index(ready[key].pair) for key in full])
                for key, p in zip(full, model.calibrated(raw), strict=True):
                    p_up[key][model.card.kind.value] = float(p)
        return {key: self._ensembled(ready[key].pair, p_up[key]) if key in ready else None for key in windows}

    def _tail(self, window: CandleWindow) -> _Tail | None:
        pair = window.pair.symbol
        if pair not in self._by_pair or len(window) == 0:
            return None
        keep = slice(max(0, len(window) - self._lookback), None)
        candles = Ohlcv(*(getattr(window, c)[keep] for c in ("open_time_ms", "open", "high", "low", "close",
                                                              "volume")))
        n = min(self._last_rows[pair], len(candles))
        readers = {id(m.inputs): m.inputs for m in self._by_pair[pair]}
        return _Tail(pair, {key: reader.last_inputs(pair, candles, n) for key, reader in readers.items()},
                     candles.open_time_ms[len(candles) - n:])

    def _ensembled(self, pair: str, p_up: dict[str, float]) -> Prediction | None:
        direction, confidence = ensemble_many({k: np.array([p]) for k, p in p_up.items()}, self._ensembles[pair])
        if direction[0] == 0:
            return None
        return Prediction(direction=Direction.LONG if direction[0] > 0 else Direction.SHORT,
                          probability=float(confidence[0]), horizon_minutes=self._horizon, model=self._version)

    def predict_many(self, pair: Pair, candles: Ohlcv) -> BulkPredictions:
        if pair.symbol not in self._by_pair:
            n = len(candles)
            return BulkPredictions(np.zeros(n, dtype=np.int8), np.full(n, np.nan), self._version, self._horizon)
        computed: dict[int, PairInputs] = {}
        p_up: dict[str, FloatArray] = {}
        for model in self._by_pair[pair.symbol]:
            if id(model.inputs) not in computed:
                computed[id(model.inputs)] = model.inputs.inputs(pair.symbol, candles)
            inputs = computed[id(model.inputs)]
            rows = np.flatnonzero(inputs.window_ends(candles.open_time_ms, model.card.window))
            scores = np.full(len(candles), np.nan)
            if len(rows):
                raw = forward(model.network, inputs.values, rows, model.card.window,
                              model.card.pairs.index(pair.symbol))
                scores[rows] = model.calibrated(raw)
            p_up[model.card.kind.value] = scores
        direction, confidence = ensemble_many(p_up, self._ensembles[pair.symbol])
        return BulkPredictions(direction, confidence, self._version, self._horizon)


def forward_last(network: nn.Module, windows: Sequence[np.ndarray], pair_indices: Sequence[int]) -> FloatArray:
    """P(up) of the runtime's windows (each ``window`` rows of features), stacked into one batch."""
    # copied into fresh (64-byte aligned) memory, never a view: the transformer's float32 sums
    # depend on the input's alignment, and a prediction must not depend on where a slice starts
    x = torch.empty((len(windows), *windows[0].shape), dtype=torch.float32)
    for i, rows in enumerate(windows):
        x.numpy()[i] = rows
    with torch.inference_mode():
        return torch.sigmoid(network(x, torch.tensor(list(pair_indices)))[UP]).double().numpy()


def forward(network: nn.Module, values: np.ndarray, rows: np.ndarray, window: int, pair_index: int) -> FloatArray:
    """P(up) of the windows ending at ``rows`` (float32 sigmoid, as training measured it)."""
    if len(rows) == 1:  # one bar: its window is a slice, no gather
        return forward_last(network, [values[rows[0] - (window - 1):rows[0] + 1]], [pair_index])
    view = sliding_window_view(values, window, axis=0)  # (bars - W + 1, features, W): no copy
    out = []
    with torch.inference_mode():
        for start in range(0, len(rows), BATCH):
            chunk = rows[start:start + BATCH]
            x = torch.from_numpy(np.ascontiguousarray(view[chunk - (window - 1)].transpose(0, 2, 1)))
            pair = torch.full((len(chunk),), pair_index, dtype=torch.int64)
            out.append(torch.sigmoid(network(x, pair)[UP]).double().numpy())
    return np.concatenate(out)


class TorchFeatureScorer:
    """The model monitor's scorer: P(up) of a model on stored (already normalized) feature rows,
    NaN where the window would cross a gap or reach before the rows; calibrated as served."""

    def __init__(self, network: nn.Module) -> None:
        self._network = network

    def up_probability(self, card: ModelCard, features: PairFeatures) -> FloatArray:
        values = np.column_stack([np.asarray(features.features[n], dtype=np.float32) for n in card.features])
        finite = np.asarray(np.isfinite(values).all(axis=1), dtype=bool)
        ends = full_windows(np.asarray(features.segment), features.open_time_ms, finite, card.window)
        rows = np.flatnonzero(ends)
        out = np.full(len(features), np.nan)
        if len(rows):
            raw = forward(self._network, values, rows, card.window, card.pairs.index(features.pair.symbol))
            out[rows] = as_card_calibrates(card, raw)
        return out
