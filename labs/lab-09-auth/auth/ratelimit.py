"""Token-bucket rate limiting with exact arithmetic, in memory and in Redis.

A bucket holds at most `capacity` tokens and gains `refill_per_second` tokens per second, continuously;
a request of `cost` tokens is admitted when the bucket holds at least `cost`, which are then taken. A
new (or long idle) bucket is full. Time comes from an injected clock in integer nanoseconds and every
quantity is an `int` or a `Fraction`, so a million calls drift by exactly nothing.
"""

from __future__ import annotations

import time
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


class TokenBucket:
    """One token bucket per key, in memory. Buckets that have refilled completely are forgotten (a full
    bucket and an absent one behave alike), so memory is bounded by the keys active within the last
    `capacity / refill_per_second` seconds; `len()` is the number of buckets held.

    A bucket's level is kept as an integer scaled by `q * 10^9` (the rate is `p / q` tokens per
    second): one nanosecond then adds exactly `p` units, and no operation rounds."""

    def __init__(
        self, capacity: int, refill_per_second: int | Fraction, clock: Callable[[], int] = time.monotonic_ns
    ) -> None:
        raise NotImplementedError("TokenBucket.__init__: see README section 4.2")

    def __len__(self) -> int:
        raise NotImplementedError("TokenBucket.__len__: see README section 4.2")

    def acquire(self, key: str, cost: int = 1) -> Decision:
        """Take `cost` tokens from `key`'s bucket if it holds that many (see the module docstring)."""
        raise NotImplementedError("TokenBucket.acquire: see README section 4.2")


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
        raise NotImplementedError("RedisTokenBucket.__init__: see README section 4.2")

    def acquire(self, key: str, cost: int = 1) -> Decision:
        """Take `cost` tokens from `key`'s bucket in Redis if it holds that many, atomically."""
        raise NotImplementedError("RedisTokenBucket.acquire: see README section 4.2")
