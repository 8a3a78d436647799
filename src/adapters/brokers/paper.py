"""The paper broker: the dry-run's Broker, filling orders with the domain's paper fills.

It fills at the signal's entry or the exit's level, paying the spread and slippage its
``FillCosts`` draws for the pair and the session at the fill's time (by default, and for a pair
the execution model did not measure, the instrument's p90s: the costs the guard sized for) and
the instrument's commission (domain.execution.paper). It keeps no positions: the account in the
risk book is the only book, so a restart or a failed store write leaves nothing here to
reconcile, and asking twice for one signal gives the same fill, since a draw is keyed by the
signal id, not by the order of the calls.
"""

from __future__ import annotations

from application.runtime.ports import Broker
from domain.execution.fills import Fill, RejectCode, Rejection
from domain.execution.instruments import Instruments
from domain.execution.paper import PaperExit, paper_close_fill, paper_open_fill
from domain.execution.sampling import FillCosts
from domain.market.candles import Pair
from domain.risk.account import Position
from domain.signals.signal import Signal


class PaperBroker(Broker):
    def __init__(self, instruments: Instruments | None = None, costs: FillCosts | None = None) -> None:
        # the same catalogue as the guard's (EmissionConfig.instruments), or the fills would pay other costs
        self._instruments = instruments or Instruments.defaults()
        self._costs = costs or FillCosts()

    @property
    def name(self) -> str:
        return "paper"

    def open(self, signal: Signal, lots: float) -> Fill | Rejection:
        spec = self._instruments.find(signal.pair)
        if spec is None:
            return _unknown(signal.pair)
        if not spec.min_lots <= lots <= spec.max_lots:  # as a broker would: volume outside the symbol's limits
            return Rejection(f"{signal.signal_id}: {lots} lots outside {spec.min_lots}..{spec.max_lots}",
                             RejectCode.INVALID_VOLUME)
        paid = self._costs.draw(spec, signal.pair, signal.created_at, signal.signal_id, "open")
        return paper_open_fill(signal, lots, spec, paid)

    def close(self, position: Position, exit: PaperExit) -> Fill | Rejection:
        spec = self._instruments.find(position.pair)
        if spec is None:
            return _unknown(position.pair)
        if exit.position_id != position.position_id:
            return Rejection(f"exit for {exit.position_id} cannot close {position.position_id}", RejectCode.NOT_FOUND)
        paid = self._costs.draw(spec, position.pair, exit.at, position.position_id, "close")
        return paper_close_fill(position, exit, spec, paid)


def _unknown(pair: Pair) -> Rejection:
    return Rejection(f"{pair} is not traded here: no instrument spec", RejectCode.UNKNOWN_SYMBOL)
