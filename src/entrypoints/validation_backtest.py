"""The challenge gate's evidence for ``tradeai model promote``: the model alone, served as the
runtime would serve it, backtested over its own validation period (never its test period) on the
stored candles, then the FTMO challenge simulator over those trades, as ``backtest --report`` runs
it. When that cannot run (no stored candles for the period, the model cannot be served, no trade),
the answer says why and the gate does not pass."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs

from application.backtest.ports import CostModel
from application.data.ports import CandleStore
from application.evaluation.evaluate import ChallengeEvidence
from application.features.ports import FeatureCalculator, FeatureStore
from application.models.ports import NoEvidence, ValidationEvidence
from application.runtime.ports import Broker
from domain.execution.instruments import Instruments
from domain.market.candles import Pair, datetime_to_ms
from domain.models.cards import VALIDATION, ModelCard
from entrypoints.settings import Settings


@attrs.frozen
class BacktestParts:
    """What the validation backtest reads, from the container: the stored candles, the feature
    sets, and the backtest's costs, broker and timer (the ones ``tradeai backtest`` uses)."""

    candle_store: CandleStore
    feature_store: FeatureStore
    calculator: FeatureCalculator
    costs: CostModel
    broker_for: Callable[[Instruments], Broker]
    timer: Callable[[], float]


class BacktestValidation(ValidationEvidence):
    def __init__(self, settings: Settings, parts: BacktestParts) -> None:
        self._settings = settings
        self._parts = parts

    def challenge(self, card: ModelCard, weights: str) -> ChallengeEvidence | NoEvidence:
        from entrypoints.backtest_input import challenge_from
        from entrypoints.backtest_report import challenge_for

        ran = self._run(card, weights)
        if isinstance(ran, NoEvidence):
            return ran
        result, settings, start, end = ran
        summary: dict[str, Any] = {"run": {"start": start.isoformat(), "end": end.isoformat(),
                                           "initial_balance": settings.risk.initial_balance}}
        challenge, why_not = challenge_for(settings, result, summary)
        if challenge is None:
            return NoEvidence(f"validation backtest {start:%Y-%m-%d} -> {end:%Y-%m-%d}: {why_not}")
        evidence = challenge_from({"challenge": challenge.as_dict(max_breaches=0)})
        if evidence is None:
            return NoEvidence("the challenge simulation recorded no pass rate")
        return attrs.evolve(evidence, source=f"validation backtest {start:%Y-%m-%d} -> {end:%Y-%m-%d} "
                                             f"({len(result.trades)} trades); {evidence.source}")

    def figures(self, card: ModelCard, weights: str) -> dict[str, float | None] | NoEvidence:
        """The model's validation-period backtest in figures: trades, win rate, net P&L (after
        costs) and the final balance (a sweep ranks cells on them)."""
        ran = self._run(card, weights)
        if isinstance(ran, NoEvidence):
            return ran
        trades = ran[0].trades
        wins = sum(t.pnl > 0 for t in trades)
        return {"backtest_trades": float(len(trades)), "backtest_win_rate": wins / len(trades) if trades else None,
                "backtest_net_pnl": float(sum(t.pnl for t in trades)), "backtest_final_balance": ran[0].final_balance}

    def _run(self, card: ModelCard, weights: str) -> tuple[Any, Settings, datetime, datetime] | NoEvidence:
        """The model served alone over its validation period, backtested as ``tradeai backtest``."""
        bounds = card.split.get(VALIDATION)
        if not bounds:
            return NoEvidence(f"{card.name} records no validation period")
        start, end = (datetime.fromisoformat(b) for b in bounds)
        settings = attrs.evolve(self._settings, pairs=tuple(card.pairs))
        try:
            predictor = self._served(card, weights, settings)
        except Exception as exc:  # the serving errors name the file or the feature set
            return NoEvidence(f"the model cannot be served for its validation backtest: {exc}")
        candles = self._candles(card, start, end, predictor.lookback)
        if isinstance(candles, NoEvidence):
            return candles
        return self._backtest(settings, predictor, candles, start, end), settings, start, end

    def _served(self, card: ModelCard, weights: str, settings: Settings) -> Any:
        from adapters.torch.serving import TorchEnsemblePredictor
        from entrypoints.model_serving import ensemble_of, served_model

        model = served_model(Path(weights).with_suffix(".json"), "candidate", "candidate",
                             self._parts.feature_store, self._parts.calculator, {})
        return TorchEnsemblePredictor([model], ensemble_of(settings))

    def _candles(self, card: ModelCard, start: datetime, end: datetime, lookback: int) -> Any:
        store = self._parts.candle_store
        since, until = datetime_to_ms(start) - 2 * lookback * 60_000, datetime_to_ms(end) + 60_000
        loaded = {}
        for pair in card.pairs:
            candles = store.load(Pair(pair))
            inside = (candles.open_time_ms >= since) & (candles.open_time_ms < until)
            if not inside.any():
                return NoEvidence(f"no stored {pair} candles in the validation period {start:%Y-%m-%d} -> "
                                  f"{end:%Y-%m-%d} (import them with `tradeai data import`)")
            loaded[Pair(pair)] = candles.take(inside)
        return loaded

    def _backtest(self, settings: Settings, predictor: Any, candles: Any, start: datetime, end: datetime) -> Any:
        from application.backtest.baselines import EngineInputs, run_backtest
        from application.backtest.engine import BacktestConfig
        from entrypoints.runtime_main import default_controls, scan_config

        parts = self._parts
        config = BacktestConfig(scan_config(settings), default_controls(settings),
                                latency_budget_ms=settings.backtest.latency_budget_ms)
        inputs = EngineInputs(parts.costs, parts.broker_for, config, parts.timer, candles, start, end)
        return run_backtest(predictor, inputs, None)
