"""Contract specifications of the CFDs the signals are sized for, with the cost of a round trip.

FTMO lists BTCUSD, ETHUSD and BNBUSD; the signals come from exchange pairs (BTCUSDT). A spec is
therefore looked up by base asset, so BTCUSDT and BTCUSD share one spec.

Spread and slippage defaults are placeholders: no public source states FTMO's crypto spreads, so
the p90 values must be measured from the broker's quotes and passed in. The defaults are chosen
wide on purpose, so that an unmeasured instrument is sized too small rather than too large.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import attrs

from domain.market.candles import Direction, Pair

BPS = 10_000.0
FTMO_COMMISSION_RATE = 0.000325  # 0.0325 % per side, FTMO crypto
_QUOTES = frozenset({"USD", "USDT", "USDC", "BUSD", "FDUSD", "EUR"})


def adverse_fraction(spread_bps: float, slippage_bps: float) -> float:
    """Price move lost on a fill paying ``spread_bps`` (half of it: the fill crosses from the mid)
    and ``slippage_bps``."""
    return (spread_bps / 2 + slippage_bps) / BPS


def fill_price_paying(price: float, direction: Direction, opening: bool, spread_bps: float,
                      slippage_bps: float) -> float:
    """The fill of an order at ``price`` paying these costs: buys fill higher, sells lower."""
    buying = (direction is Direction.LONG) == opening
    adverse = adverse_fraction(spread_bps, slippage_bps)
    return price * (1 + adverse) if buying else price * (1 - adverse)


def _positive(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value > 0:
        raise ValueError(f"{attribute.name} must be > 0, got {value!r}")


def _non_negative(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if not value >= 0:
        raise ValueError(f"{attribute.name} must be >= 0, got {value!r}")


@attrs.frozen
class InstrumentSpec:
    """Contract size in base units per lot; costs as fractions (commission) or basis points."""

    base: str
    contract_size: float = attrs.field(validator=_positive)
    lot_step: float = attrs.field(default=0.01, validator=_positive)
    min_lots: float = attrs.field(default=0.01, validator=_positive)
    max_lots: float = attrs.field(default=5.0, validator=_positive)
    commission_rate: float = attrs.field(default=FTMO_COMMISSION_RATE, validator=_non_negative)
    spread_p90_bps: float = attrs.field(default=10.0, validator=_non_negative)
    slippage_p90_bps: float = attrs.field(default=5.0, validator=_non_negative)

    def __attrs_post_init__(self) -> None:
        if not self.base or not self.base.isalnum() or self.base != self.base.upper():
            raise ValueError(f"instrument base must be an upper-case asset like BTC, got {self.base!r}")
        if self.min_lots > self.max_lots:
            raise ValueError(f"{self.base}: min_lots {self.min_lots} exceeds max_lots {self.max_lots}")

    @property
    def adverse_fraction(self) -> float:
        """Price move lost on each fill: half the p90 spread plus the p90 slippage."""
        return adverse_fraction(self.spread_p90_bps, self.slippage_p90_bps)

    def fill_price(self, price: float, direction: Direction, opening: bool) -> float:
        """The p90-adverse fill of an order at ``price``: buys fill higher, sells lower."""
        return fill_price_paying(price, direction, opening, self.spread_p90_bps, self.slippage_p90_bps)

    def commission(self, fill_price: float, lots: float) -> float:
        return self.commission_rate * fill_price * lots * self.contract_size

    def stop_out_loss(self, direction: Direction, entry: float, stop: float, lots: float) -> float:
        """Money lost by opening at ``entry`` and being stopped at ``stop``: price move, p90 spread
        and slippage on both fills, and commission on both sides (charged on the fill notional)."""
        opened = self.fill_price(entry, direction, opening=True)
        closed = self.fill_price(stop, direction, opening=False)
        units = lots * self.contract_size
        price_loss = direction.sign * (opened - closed) * units
        return price_loss + self.commission(opened, lots) + self.commission(closed, lots)

    def close_loss(self, direction: Direction, mark: float, stop: float, lots: float) -> float:
        """Further loss of an open position moving from ``mark`` to ``stop`` and closing there
        (its opening commission is already in equity). Never below zero: a stop beyond the mark
        in the position's favour adds no risk worth counting."""
        closed = self.fill_price(stop, direction, opening=False)
        units = lots * self.contract_size
        further = direction.sign * (mark - closed) * units + self.commission(closed, lots)
        return max(0.0, further)


def _default_specs() -> dict[str, InstrumentSpec]:
    # Contract sizes from FTMO's symbol specs (ETHUSD 10 since 2025); BTC and BNB 1 unit per lot.
    # BNB is thinner than BTC and ETH, so its placeholder costs are wider.
    return {
        "BTC": InstrumentSpec("BTC", contract_size=1.0, spread_p90_bps=10.0, slippage_p90_bps=5.0),
        "ETH": InstrumentSpec("ETH", contract_size=10.0, spread_p90_bps=15.0, slippage_p90_bps=5.0),
        "BNB": InstrumentSpec("BNB", contract_size=1.0, spread_p90_bps=30.0, slippage_p90_bps=10.0),
    }


def _spec_map(value: Mapping[str, InstrumentSpec] | Iterable[InstrumentSpec]) -> tuple[InstrumentSpec, ...]:
    specs = tuple(value.values()) if isinstance(value, Mapping) else tuple(value)
    bases = [s.base for s in specs]
    if len(set(bases)) != len(bases):
        raise ValueError(f"duplicate instrument specs for {sorted(b for b in bases if bases.count(b) > 1)}")
    return tuple(sorted(specs, key=lambda s: s.base))


@attrs.frozen
class Instruments:
    """The catalogue of specs, looked up by a pair's base asset."""

    specs: tuple[InstrumentSpec, ...] = attrs.field(
        factory=lambda: _spec_map(_default_specs()), converter=_spec_map
    )

    @classmethod
    def defaults(cls) -> Instruments:
        return cls()

    def with_spec(self, spec: InstrumentSpec) -> Instruments:
        return Instruments((*(s for s in self.specs if s.base != spec.base), spec))

    def find(self, pair: Pair) -> InstrumentSpec | None:
        # Matched on the symbol rather than Pair.base: BNBUSD ends in BUSD, so its base parses as BN.
        matches = [s for s in self.specs
                   if pair.symbol.startswith(s.base) and pair.symbol[len(s.base):] in _QUOTES]
        return max(matches, key=lambda s: len(s.base), default=None)

    def spec_for_base(self, base: str) -> InstrumentSpec:
        return self.spec_for(Pair(f"{base}USD"))

    def base_of(self, pair: Pair | str) -> str:
        """The base asset a pair is costed under: BTC/USDT, BTCUSD and BTCUSDT are all BTC."""
        parsed = pair if isinstance(pair, Pair) else Pair.parse(pair)
        spec = self.find(parsed)
        return spec.base if spec is not None else parsed.base

    def spec_for(self, pair: Pair) -> InstrumentSpec:
        spec = self.find(pair)
        if spec is None:
            known = ", ".join(s.base for s in self.specs)
            raise LookupError(f"no instrument spec for {pair}; known: {known}")
        return spec
