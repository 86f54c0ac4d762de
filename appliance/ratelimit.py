"""Per-account request limits: 20 requests per second and 15,000 per hour (token buckets)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from appliance.shared import SharedCounters, SharedUnavailable


@dataclass(slots=True)
class _Bucket:
    capacity: float
    rate: float  # tokens per second
    tokens: float
    at: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now

    def wait(self) -> float:
        return max(0.0, (1 - self.tokens) / self.rate)


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # whole seconds, 0 when allowed


class RateLimiter:
    """Two token buckets per key; a request spends one token of each."""

    def __init__(
        self,
        monotonic: Callable[[], float],
        *,
        per_second: int = 20,
        per_hour: int = 15_000,
    ) -> None:
        self._monotonic = monotonic
        self.per_second = per_second
        self.per_hour = per_hour
        self._buckets: dict[str, tuple[_Bucket, _Bucket]] = {}

    def check(self, key: str) -> Verdict:
        now = self._monotonic()
        pair = self._buckets.get(key)
        if pair is None:
            pair = (
                _Bucket(self.per_second, self.per_second, self.per_second, now),
                _Bucket(self.per_hour, self.per_hour / 3600, self.per_hour, now),
            )
            self._buckets[key] = pair
        second, hour = pair
        second.refill(now)
        hour.refill(now)
        if second.tokens < 1 or hour.tokens < 1:
            wait = max(second.wait(), hour.wait())
            return Verdict(False, self.per_hour, int(hour.tokens), max(1, math.ceil(wait)))
        second.tokens -= 1
        hour.tokens -= 1
        return Verdict(True, self.per_hour, int(hour.tokens), 0)


class SharedRateLimiter(RateLimiter):
    """The same limits for all nodes of a site, counted in Redis (per second and per hour).

    While Redis cannot be reached, each node counts alone, so no request is refused for a
    reason the caller could not act on.
    """

    def __init__(
        self,
        counters: SharedCounters,
        monotonic: Callable[[], float],
        wall: Callable[[], float],
        *,
        per_second: int = 20,
        per_hour: int = 15_000,
    ) -> None:
        super().__init__(monotonic, per_second=per_second, per_hour=per_hour)
        self._counters = counters
        self._wall = wall

    def check(self, key: str) -> Verdict:
        try:
            allowed, remaining, wait = self._counters.take(
                key, self.per_second, self.per_hour, self._wall()
            )
        except SharedUnavailable:
            return super().check(key)
        return Verdict(allowed, self.per_hour, max(0, remaining), wait)
