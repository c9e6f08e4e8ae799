"""Token-bucket rate limiting with exact arithmetic, in memory and in Redis.

A bucket holds at most `capacity` tokens and gains `refill_per_second` tokens per second, continuously;
a request of `cost` tokens is admitted when the bucket holds at least `cost`, which are then taken. A
new (or long idle) bucket is full. Time comes from an injected clock in integer nanoseconds and every
quantity is an `int` or a `Fraction`, so a million calls drift by exactly nothing.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

NS_PER_SECOND = 10**9


@dataclass(frozen=True)
class Decision:
    """The answer to one request: admitted or not, whole tokens left, seconds until `cost` tokens are
    there (0 when admitted)."""

    allowed: bool
    remaining: int
    retry_after: Fraction


def _rate(capacity: int, refill_per_second: int | Fraction) -> Fraction:
    if type(capacity) is not int or capacity < 1:
        raise ValueError("capacity must be a positive int")
    if isinstance(refill_per_second, bool) or not isinstance(refill_per_second, (int, Fraction)):
        raise TypeError("refill_per_second must be an int or a Fraction (floats drift)")
    if refill_per_second <= 0:
        raise ValueError("refill_per_second must be positive")
    return Fraction(refill_per_second)


def _check_cost(cost: int, capacity: int) -> None:
    if type(cost) is not int or cost < 1:
        raise ValueError("cost must be a positive int")
    if cost > capacity:
        raise ValueError(f"cost {cost} exceeds the capacity {capacity}: it could never be admitted")


class TokenBucket:
    """One token bucket per key, in memory. Buckets that have refilled completely are forgotten (a full
    bucket and an absent one behave alike), so memory is bounded by the keys active within the last
    `capacity / refill_per_second` seconds; `len()` is the number of buckets held.

    A bucket's level is kept as an integer scaled by `q * 10^9` (the rate is `p / q` tokens per
    second): one nanosecond then adds exactly `p` units, and no operation rounds."""

    def __init__(
        self, capacity: int, refill_per_second: int | Fraction, clock: Callable[[], int] = time.monotonic_ns
    ) -> None:
        self.rate = _rate(capacity, refill_per_second)
        self.capacity = capacity
        self.clock = clock
        self._per_ns = self.rate.numerator
        self._scale = self.rate.denominator * NS_PER_SECOND
        self._full = capacity * self._scale
        self._buckets: OrderedDict[str, tuple[int, int]] = OrderedDict()  # key -> (scaled level, at ns)

    def __len__(self) -> int:
        return len(self._buckets)

    def _level(self, level: int, at: int, now: int) -> int:
        return min(self._full, level + max(0, now - at) * self._per_ns)

    def acquire(self, key: str, cost: int = 1) -> Decision:
        """Take `cost` tokens from `key`'s bucket if it holds that many (see the module docstring)."""
        _check_cost(cost, self.capacity)
        now = self.clock()
        if type(now) is not int:
            raise TypeError("the clock must return integer nanoseconds")
        bucket = self._buckets.pop(key, None)
        if bucket is None:
            level = self._full
        else:
            level = self._level(bucket[0], bucket[1], now)
            now = max(now, bucket[1])  # a clock that steps back never refills or drains a bucket
        wanted = cost * self._scale
        if level >= wanted:
            level -= wanted
            decision = Decision(True, level // self._scale, Fraction(0))
        else:
            decision = Decision(
                False, level // self._scale, Fraction(wanted - level, self._per_ns * NS_PER_SECOND)
            )
        self._buckets[key] = (level, now)
        self._evict(now)
        return decision

    def _evict(self, now: int) -> None:
        """Forget, oldest first, the buckets that are full again by `now`."""
        while self._buckets:
            key, (level, at) = next(iter(self._buckets.items()))
            if self._level(level, at, now) < self._full:
                return
            del self._buckets[key]


# KEYS[1] the bucket; ARGV: capacity, cost, rate numerator p, rate denominator q, now as whole seconds
# and nanoseconds ("" "" = the server's clock). The level is kept scaled by D = q * 10^9, so that one
# nanosecond adds exactly p units; times are kept as (seconds, nanoseconds) because nanoseconds since
# the epoch do not fit in a double. Every value the script computes is an integer below 2^53, which
# Lua's doubles represent exactly.
_SCRIPT = """
local capacity = tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local p = tonumber(ARGV[3])
local q = tonumber(ARGV[4])
local now_s, now_ns
if ARGV[5] == '' then
  local t = redis.call('TIME')
  now_s = tonumber(t[1])
  now_ns = tonumber(t[2]) * 1000
else
  now_s = tonumber(ARGV[5])
  now_ns = tonumber(ARGV[6])
end
local scale = q * 1000000000
local full = capacity * scale
local level = full
local at_s, at_ns = now_s, now_ns
local state = redis.call('HMGET', KEYS[1], 'level', 's', 'ns')
if state[1] then
  level = tonumber(state[1])
  at_s = tonumber(state[2])
  at_ns = tonumber(state[3])
  if now_s > at_s or (now_s == at_s and now_ns > at_ns) then
    local needed = math.floor((full - level + p - 1) / p)
    if now_s - at_s > 9000000 then
      level = full
    else
      local elapsed = (now_s - at_s) * 1000000000 + (now_ns - at_ns)
      if elapsed >= needed then
        level = full
      else
        level = level + elapsed * p
      end
    end
    at_s, at_ns = now_s, now_ns
  end
end
local allowed = 0
if level >= cost * scale then
  level = level - cost * scale
  allowed = 1
end
if level >= full then
  redis.call('DEL', KEYS[1])
else
  redis.call('HSET', KEYS[1], 'level', string.format('%.0f', level), 's', string.format('%.0f', at_s),
    'ns', string.format('%.0f', at_ns))
  if ARGV[5] == '' then  -- on the server's clock, Redis forgets the bucket once it would be full
    local idle_ns = math.floor((full - level + p - 1) / p)
    redis.call('PEXPIRE', KEYS[1], math.floor(idle_ns / 1000000) + 1)
  end
end
return {allowed, string.format('%.0f', level)}
"""


class RedisTokenBucket:
    """The same buckets, kept in Redis so that several processes share them; each `acquire` is one
    atomic Lua script. Idle buckets expire in Redis once they would be full. `clock` (integer ns) is
    for tests; by default the Redis server's own clock is used, the same for every client."""

    def __init__(
        self,
        client: Any,
        capacity: int,
        refill_per_second: int | Fraction,
        *,
        prefix: str = "ratelimit:",
        clock: Callable[[], int] | None = None,
    ) -> None:
        self.rate = _rate(capacity, refill_per_second)
        self.capacity = capacity
        self.client = client
        self.prefix = prefix
        self.clock = clock
        self._script = client.register_script(_SCRIPT)
        scale = self.rate.denominator * NS_PER_SECOND
        if capacity * scale + self.rate.numerator >= 2**53:
            raise ValueError("capacity and refill rate are too fine-grained for exact arithmetic in Redis")

    def acquire(self, key: str, cost: int = 1) -> Decision:
        """Take `cost` tokens from `key`'s bucket in Redis if it holds that many, atomically."""
        _check_cost(cost, self.capacity)
        if self.clock is None:
            now_s, now_ns = "", ""
        else:
            now_s, now_ns = (str(part) for part in divmod(int(self.clock()), NS_PER_SECOND))
        p, q = self.rate.numerator, self.rate.denominator
        allowed, level = self._script(
            keys=[self.prefix + key], args=[self.capacity, cost, p, q, now_s, now_ns]
        )
        scale = q * NS_PER_SECOND
        tokens = Fraction(int(level), scale)
        if int(allowed) == 1:
            return Decision(True, math.floor(tokens), Fraction(0))
        return Decision(False, math.floor(tokens), (cost - tokens) / self.rate)
