"""Counters every node of a site shares in Redis: request limits, failed sign-ins and
cooldown claims."""

from __future__ import annotations

import math
import secrets
from typing import Any

_ADMIT = """
local rate = tonumber(ARGV[1])
local now = tonumber(ARGV[2])
local s = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'queue')
local tokens = tonumber(s[1]) or rate
local at = tonumber(s[2]) or now
local queue = tonumber(s[3]) or now
tokens = math.min(rate, tokens + math.max(0, now - at) * rate)
local wait = -1
if tokens >= 1 then
  tokens = tokens - 1
else
  queue = math.max(queue + 1 / rate, now + (1 - tokens) / rate)
  wait = queue - now
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now),
  'queue', tostring(queue))
redis.call('EXPIRE', KEYS[1], 3600)
return tostring(wait)
"""


#: ``per_hour`` requests in any rolling hour, for all nodes: one sorted set of admitted
#: requests per key (score: when); a refused request is not added.
_HOUR = """
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 3600)
local n = redis.call('ZCARD', KEYS[1])
if n >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], n - limit, n - limit, 'WITHSCORES')
  return {0, 0, tostring(tonumber(oldest[2]) + 3600 - now)}
end
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('EXPIRE', KEYS[1], 3700)
return {1, limit - n - 1, '0'}
"""


#: one failed sign-in of a key (an account or an address), for all nodes: the failures since
#: the key was last quiet for ``window`` seconds, and the lockout they started (see
#: ``appliance.signin.Strikes``, which counts the same way on a node alone)
_STRIKE = """
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local first = tonumber(ARGV[4])
local longest = tonumber(ARGV[5])
local s = redis.call('HMGET', KEYS[1], 'failures', 'last', 'until')
local failures = tonumber(s[1]) or 0
local last = tonumber(s[2]) or now
local locked = tonumber(s[3]) or 0
if now >= math.max(last, locked) + window then failures = 0 end
failures = failures + 1
local lockout = 0
if failures >= limit then
  lockout = math.min(longest, first * 2 ^ math.min(failures - limit, 40))
  locked = now + lockout
end
redis.call('HSET', KEYS[1], 'failures', failures, 'last', tostring(now), 'until',
  tostring(locked))
redis.call('EXPIRE', KEYS[1], math.ceil(window + longest))
return {failures, tostring(lockout)}
"""


class SharedCounters:
    """Counters all nodes share in Redis: request limits and cooldown claims.

    Called from request handlers (some run in worker threads), so it speaks to Redis
    synchronously, with short timeouts; on trouble it raises :class:`SharedUnavailable` and
    the caller falls back to what this node alone knows.
    """

    def __init__(self, url: str) -> None:
        import redis

        self._redis = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self._error = redis.RedisError

    def take(self, key: str, per_second: int, per_hour: int, now: float) -> tuple[bool, int, int]:
        """Spend one request of ``key``: (allowed, remaining this hour, seconds to wait).
        The hour is rolling: every request of the last 3,600 s counts."""
        second = int(now)
        try:
            pipe = self._redis.pipeline()
            pipe.incr(f"jump:rate:{key}:s:{second}")
            pipe.expire(f"jump:rate:{key}:s:{second}", 3)
            in_second, _ = pipe.execute()
            if in_second > per_second:
                return False, -1, 1
            member = f"{now!r}:{secrets.token_hex(4)}"
            answer: Any = self._redis.eval(
                _HOUR, 1, f"jump:rate:{key}:hour", repr(now), str(per_hour), member
            )
            allowed, remaining, wait = answer
        except self._error as err:
            raise SharedUnavailable(str(err)) from None
        if not allowed:
            return False, 0, max(1, math.ceil(float(wait)))
        return True, int(remaining), 0

    def admit(self, rate: float, now: float) -> float | None:
        """The site's connection admission (see ``agents.guards.Admission``), one bucket and one
        virtual queue for all nodes: None when admitted, else the seconds to wait."""
        try:
            answer: Any = self._redis.eval(_ADMIT, 1, "jump:admission", repr(rate), repr(now))
            wait = float(answer)
        except self._error as err:
            raise SharedUnavailable(str(err)) from None
        return None if wait < 0 else wait

    def strike(
        self, key: str, now: float, limit: int, window: float, first: float, longest: float
    ) -> tuple[int, float]:
        """One failed sign-in of ``key``: (failures counted, the lockout it started in
        seconds, 0 for none)."""
        try:
            answer: Any = self._redis.eval(
                _STRIKE,
                1,
                f"jump:signin:{key}",
                repr(now),
                str(limit),
                repr(window),
                repr(first),
                repr(longest),
            )
            failures, lockout = answer
        except self._error as err:
            raise SharedUnavailable(str(err)) from None
        return int(failures), float(lockout)

    def locked_until(self, key: str) -> float:
        """When the lockout of ``key`` ends (0 when it never began)."""
        try:
            until: Any = self._redis.hget(f"jump:signin:{key}", "until")
        except self._error as err:
            raise SharedUnavailable(str(err)) from None
        return float(until) if until is not None else 0.0

    def forgive(self, key: str) -> None:
        """Forget the failed sign-ins of ``key`` (its owner signed in)."""
        try:
            self._redis.delete(f"jump:signin:{key}")
        except self._error as err:
            raise SharedUnavailable(str(err)) from None

    def claim(self, key: str, value: str, ttl_s: int) -> str | None:
        """Hold ``key`` for ``ttl_s`` seconds; None when claimed, else the holder's value."""
        try:
            if self._redis.set(f"jump:claim:{key}", value, nx=True, ex=ttl_s):
                return None
            held = self._redis.get(f"jump:claim:{key}")
        except self._error as err:
            raise SharedUnavailable(str(err)) from None
        return held.decode() if isinstance(held, bytes) else value

    def close(self) -> None:
        self._redis.close()


class SharedUnavailable(RuntimeError):
    """Redis cannot be reached for a shared counter."""
