"""A token bucket per user: ``burst`` commands at once, then one every ``60 / per_minute`` seconds.
Time is given by the caller (the bot's wall clock), never read here."""

from __future__ import annotations

from datetime import datetime

import attrs


@attrs.frozen
class RateLimit:
    per_minute: int = 20
    burst: int = 5

    def __attrs_post_init__(self) -> None:
        if self.per_minute < 1 or self.burst < 1:
            raise ValueError(f"a rate limit needs per_minute >= 1 and burst >= 1, got {self.per_minute}, {self.burst}")


@attrs.define
class _Bucket:
    tokens: float
    at: datetime
    told: bool = False  # the user was told to slow down since the bucket last ran dry


class TokenBuckets:
    """Not thread-safe: the bot handles one update at a time."""

    def __init__(self, limit: RateLimit) -> None:
        self._limit = limit
        self._buckets: dict[int, _Bucket] = {}

    def take(self, user_id: int, now: datetime) -> bool:
        """Spend one token; False when the user has none left."""
        bucket = self._refill(user_id, now)
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            bucket.told = False
            return True
        return False

    def first_refusal(self, user_id: int) -> bool:
        """True once per dry spell: the first refused command is answered, the rest are not."""
        bucket = self._buckets[user_id]
        first, bucket.told = not bucket.told, True
        return first

    def wait_seconds(self, user_id: int) -> float:
        """Seconds until the next token."""
        bucket = self._buckets[user_id]
        return max(0.0, (1 - bucket.tokens) * 60 / self._limit.per_minute)

    def _refill(self, user_id: int, now: datetime) -> _Bucket:
        bucket = self._buckets.get(user_id)
        if bucket is None:
            bucket = self._buckets[user_id] = _Bucket(float(self._limit.burst), now)
        elapsed = max(0.0, (now - bucket.at).total_seconds())  # a clock stepping back earns nothing
        bucket.tokens = min(float(self._limit.burst), bucket.tokens + elapsed * self._limit.per_minute / 60)
        bucket.at = max(bucket.at, now)
        return bucket
