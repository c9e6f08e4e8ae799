"""Part B: the Redis token bucket: the same definition, atomic across processes, idle keys expiring."""

from __future__ import annotations

import multiprocessing
import random
import time
import uuid
from fractions import Fraction

import pytest
import redis
from auth.ratelimit import RedisTokenBucket
from auth_grading import NS, Clock, ModelBucket, as_tuple

pytestmark = [pytest.mark.part("B")]


@pytest.fixture
def client(redis_url):
    connection = redis.Redis.from_url(redis_url)
    yield connection
    connection.close()


def _prefix() -> str:
    return f"grader:{uuid.uuid4().hex}:"


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Do the refill, the decision and the update in one Lua script: Redis runs a script atomically.",
    "Lua in Redis computes with doubles: keep every number an integer below 2^53 (scale the level as in "
    "the in-memory bucket, and split epoch nanoseconds into seconds and nanoseconds).",
)
def test_redis_bucket_matches_the_definition(client, partial_credit):
    """With an injected clock, RedisTokenBucket's Decisions equal the definition's for 4 rates and 600 requests,
    and its keys get no expiry."""
    rng = random.Random(5)
    partial_credit.total = 5
    prefixes = []
    for capacity, rate in (
        (5, Fraction(3, 7)),
        (1, Fraction(1)),
        (50, Fraction(1, 1000)),
        (3, Fraction(250)),
    ):
        clock = Clock()
        prefixes.append(_prefix())
        bucket = RedisTokenBucket(client, capacity, rate, prefix=prefixes[-1], clock=clock)
        model = ModelBucket(capacity, rate)
        problem = ""
        for i in range(150):
            clock.now += rng.choice([0, 1, 10**6, 10**8, NS, 3 * NS, 100 * NS])
            key, cost = rng.choice("abc"), rng.randint(1, capacity)
            got, want = as_tuple(bucket.acquire(key, cost)), model.acquire(key, cost, clock.now)
            if got != want:
                problem = f"request {i} (key {key!r}, cost {cost}): got {got}, want {want}"
                break
        partial_credit.check(not problem, f"capacity {capacity}, rate {rate}/s: {problem}")
    ttls = {
        key.decode(): client.pttl(key) for prefix in prefixes for key in client.scan_iter(match=f"{prefix}*")
    }
    expiring = {key: ttl for key, ttl in ttls.items() if ttl != -1}
    partial_credit.check(bool(ttls) and not expiring,
                         f"under an injected clock no expiry is set (Redis' clock is not the bucket's): {expiring}")  # fmt: skip


def _hammer(url: str, prefix: str, attempts: int, start, results) -> None:
    """One client process: how many of its requests were admitted, or the error that stopped it."""
    try:
        from auth.ratelimit import RedisTokenBucket as Bucket

        connection = redis.Redis.from_url(url)
        bucket = Bucket(connection, 60, Fraction(1, 1000), prefix=prefix)
        start.wait()
        results.put(("admitted", sum(bool(bucket.acquire("shared").allowed) for _ in range(attempts))))
        connection.close()
    except BaseException as exc:  # reported at once, instead of leaving the test waiting for a count
        results.put(("error", f"{type(exc).__name__}: {str(exc)[:300]}"))


@pytest.mark.points(4)
@pytest.mark.critical("the Redis limiter never admits more than capacity + refill under concurrent clients")
@pytest.mark.hints(
    "Reading the bucket, computing in Python and writing it back is a race: two clients both see the tokens.",
    "One EVALSHA (redis-py's register_script) does read, decide and write as one atomic step.",
)
def test_concurrent_clients_never_exceed_capacity(redis_url):
    """Four processes, 150 requests each, on one key of capacity 60 (refill 1/1000 per second): 60 admitted (61 at most)."""
    context = multiprocessing.get_context("fork")
    prefix = _prefix()
    start, results = context.Event(), context.Queue()
    workers = [
        context.Process(target=_hammer, args=(redis_url, prefix, 150, start, results)) for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    start.set()
    reports = [results.get(timeout=50) for _ in workers]
    for worker in workers:
        worker.join(timeout=10)
    errors = [str(detail) for kind, detail in reports if kind != "admitted"]
    assert not errors, f"a client process failed: {errors[0]}"
    admitted = [int(count) for _, count in reports]
    total = sum(admitted)
    # 600 requests within well under 60 s: at most capacity plus one refilled token.
    assert total <= 61, (
        f"{total} requests admitted (per process {admitted}); capacity 60: the update is not atomic"
    )
    assert total >= 60, f"only {total} admitted of a full bucket of 60 (per process {admitted})"


@pytest.mark.points(1)
@pytest.mark.hints(
    "PEXPIRE the bucket's key for the time it takes to refill: Redis then forgets idle buckets."
)
def test_idle_buckets_expire_in_redis(client, partial_credit):
    """On the server's clock, a used bucket's key gets an expiry of the time it needs to be full again, and it
    refills in real time."""
    prefix = _prefix()
    bucket = RedisTokenBucket(client, 4, Fraction(2), prefix=prefix)
    first = as_tuple(bucket.acquire("k", 3))
    partial_credit.check(first[:2] == (True, 1), f"first request, cost 3 of 4: {first}")
    keys = [key.decode() for key in client.scan_iter(match=f"{prefix}*")]
    partial_credit.check(len(keys) == 1, f"keys under the bucket's prefix: {keys}")
    ttl = client.pttl(keys[0]) if keys else -2
    partial_credit.check(
        0 < ttl <= 1600, f"the bucket's key expires in {ttl} ms; 3 tokens at 2/s refill in 1500 ms"
    )
    second = as_tuple(bucket.acquire("k", 1))
    ttl = client.pttl(keys[0]) if keys else -2
    partial_credit.check(second[0] is True and 1000 < ttl <= 2100,
                         f"then cost 1 (the bucket nearly empty): {second}, the key expires in {ttl} ms; "
                         "the bucket is full again only after about 2000 ms")  # fmt: skip
    # The server's clock in real time: TIME gives seconds and *micro*seconds.
    refilled = []
    for trial in range(3):
        fast = RedisTokenBucket(client, 100, 100, prefix=prefix)
        fast.acquire(f"fast-{trial}", 100)
        time.sleep(0.03)  # 3 tokens at 100/s; the emptied key expires only after a second
        refilled.append(as_tuple(fast.acquire(f"fast-{trial}", 2))[0])
    partial_credit.check(all(refilled), f"capacity 100, 100 tokens/s, emptied, then 30 ms later cost 2 "
                                        f"(3 tokens refilled): admitted {refilled}, want all True")  # fmt: skip
