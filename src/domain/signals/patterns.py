"""Win/loss counts of recurring chart patterns, keyed by a stable hash of the pattern."""

from __future__ import annotations

import attrs


def _count(value: int) -> int:
    if isinstance(value, bool) or int(value) != value or value < 0:
        raise ValueError(f"pattern counts must be whole numbers >= 0, got {value!r}")
    return int(value)


@attrs.frozen
class PatternKey:
    """Which pattern a signal was emitted under (domain.signals.pattern_key): carried by the signal
    and its position, so the close can count its outcome."""

    pattern_hash: str
    name: str

    def __attrs_post_init__(self) -> None:
        if not self.pattern_hash or len(self.pattern_hash) > 64:
            raise ValueError(f"pattern_hash must be 1 to 64 characters, got {self.pattern_hash!r}")
        if not self.name or len(self.name) > 120:
            raise ValueError(f"pattern {self.pattern_hash}: name must be 1 to 120 characters, got {self.name!r}")


@attrs.frozen
class PatternRecord:
    pattern_hash: str
    name: str
    wins: int = attrs.field(converter=_count, default=0)
    total: int = attrs.field(converter=_count, default=0)

    def __attrs_post_init__(self) -> None:
        if not self.pattern_hash:
            raise ValueError("pattern_hash must not be empty")
        if len(self.pattern_hash) > 64:
            raise ValueError(f"pattern_hash is {len(self.pattern_hash)} characters, at most 64 are stored")
        if self.wins > self.total:
            raise ValueError(f"pattern {self.pattern_hash}: wins {self.wins} exceed total {self.total}")

    @property
    def losses(self) -> int:
        return self.total - self.wins

    @property
    def win_rate(self) -> float | None:
        """None before the first outcome: an unseen pattern has no rate, not a rate of zero."""
        return self.wins / self.total if self.total else None

    def with_outcome(self, won: bool) -> PatternRecord:
        return attrs.evolve(self, wins=self.wins + int(won), total=self.total + 1)
