"""In-memory fakes of the ports; they pass the same contract tests as the real adapters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from application.models.ports import Predictor, ScanPredictor
from application.runtime.ports import Notifier
from application.stats.ports import SignalRepository
from domain.market.candles import CandleWindow, Direction, Pair
from domain.signals.signal import Prediction, Signal


class InMemorySignalRepository(SignalRepository):
    def __init__(self, fail_with: Exception | None = None) -> None:
        self._rows: dict[str, Signal] = {}
        self.fail_with = fail_with

    def add(self, signal: Signal) -> bool:
        if self.fail_with is not None:
            raise self.fail_with
        if signal.signal_id in self._rows:
            return False
        self._rows[signal.signal_id] = signal
        return True

    def get(self, signal_id: str) -> Signal | None:
        return self._rows.get(signal_id)

    def list(self, pair: Pair | None = None, limit: int | None = None) -> Sequence[Signal]:
        rows = sorted(self._rows.values(), key=lambda s: (s.created_at, s.signal_id))
        rows = [s for s in rows if pair is None or s.pair == pair]
        return rows if limit is None else rows[:limit]

    def count(self) -> int:
        return len(self._rows)


class RecordingNotifier(Notifier):
    def __init__(self, fail_with: Exception | None = None) -> None:
        self.messages: list[str] = []
        self.fail_with = fail_with

    def send(self, text: str) -> None:
        if self.fail_with is not None:
            raise self.fail_with
        self.messages.append(text)


class FixedPredictor(Predictor):
    """Always predicts the same direction and probability (None to predict nothing)."""

    def __init__(self, direction: Direction = Direction.LONG, probability: float | None = 0.75,
                 lookback: int = 20) -> None:
        self._direction = direction
        self._probability = probability
        self._lookback = lookback

    @property
    def lookback(self) -> int:
        return self._lookback

    @property
    def version(self) -> str:
        return "fixed"

    def predict(self, window: CandleWindow) -> Prediction | None:
        if self._probability is None:
            return None
        return Prediction(self._direction, self._probability, model=self.version)


class FixedScanPredictor(FixedPredictor, ScanPredictor):
    """A FixedPredictor that also answers a whole scan at once, and remembers each call; a window
    of a pair in ``refuse`` makes either call raise ValueError, as a window it cannot read would."""

    def __init__(self, direction: Direction = Direction.LONG, probability: float | None = 0.75,
                 refuse: Sequence[Pair] = ()) -> None:
        super().__init__(direction, probability)
        self._refuse = set(refuse)
        self.scans: list[tuple[Pair, ...]] = []
        self.asked: list[Pair] = []

    def predict(self, window: CandleWindow) -> Prediction | None:
        self.asked.append(window.pair)
        return self._answer(window)

    def predict_scan(self, windows: Mapping[Pair, CandleWindow]) -> dict[Pair, Prediction | None]:
        self.scans.append(tuple(windows))
        return {pair: self._answer(window) for pair, window in windows.items()}

    def _answer(self, window: CandleWindow) -> Prediction | None:
        if window.pair in self._refuse:
            raise ValueError(f"{window.pair}: cannot read this window")
        return super().predict(window)
