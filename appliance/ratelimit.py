"""Per-account request limits: 20 requests per second (a token bucket) and 15,000 in any
rolling hour (every request of the last 3,600 s counts, whenever in the hour it came)."""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

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


HOUR_S = 3600


@dataclass(slots=True)
class _RollingHour:
    """Requests admitted in the last hour, counted per whole second (at most 3,600 entries)."""

    seconds: deque[list[int]] = field(default_factory=deque)  # [second, requests]
    total: int = 0

    def forget_before(self, now: float) -> None:
        horizon = math.floor(now) - HOUR_S
        while self.seconds and self.seconds[0][0] <= horizon:
            self.total -= self.seconds.popleft()[1]

    def add(self, now: float) -> None:
        second = math.floor(now)
        if self.seconds and self.seconds[-1][0] == second:
            self.seconds[-1][1] += 1
        else:
            self.seconds.append([second, 1])
        self.total += 1

    def wait(self, now: float, limit: int) -> float:
        """Seconds until the hour holds fewer than ``limit`` requests again."""
        excess = self.total - limit + 1
        for second, count in self.seconds:
            excess -= count
            if excess <= 0:
                return max(1.0, second + HOUR_S - now)
        return 1.0


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # whole seconds, 0 when allowed


class RateLimiter:
    """Per key: a token bucket of ``per_second``, and ``per_hour`` in any rolling hour. A
    refused request spends nothing."""

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
        self._keys: dict[str, tuple[_Bucket, _RollingHour]] = {}

    def check(self, key: str) -> Verdict:
        now = self._monotonic()
        pair = self._keys.get(key)
        if pair is None:
            pair = (_Bucket(self.per_second, self.per_second, self.per_second, now), _RollingHour())
            self._keys[key] = pair
        second, hour = pair
        second.refill(now)
        hour.forget_before(now)
        if hour.total >= self.per_hour:
            wait = hour.wait(now, self.per_hour)
            return Verdict(False, self.per_hour, 0, max(1, math.ceil(wait)))
        if second.tokens < 1:
            left = self.per_hour - hour.total
            return Verdict(False, self.per_hour, left, max(1, math.ceil(second.wait())))
        second.tokens -= 1
        hour.add(now)
        return Verdict(True, self.per_hour, self.per_hour - hour.total, 0)


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
