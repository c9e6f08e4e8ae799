"""Model tests of part B: passwords, the in-memory bucket, the Redis bucket."""

from __future__ import annotations

import uuid
from fractions import Fraction

import pytest
import redis
from auth.passwords import hash_password, needs_rehash, verify_password
from auth.ratelimit import Decision, RedisTokenBucket, TokenBucket
from conftest import Clock


def test_passwords():
    stored = hash_password("long enough password")
    assert stored.startswith("$argon2id$") and stored != hash_password("long enough password")
    assert verify_password(stored, "long enough password")
    assert not verify_password(stored, "wrong")
    assert not verify_password("garbage", "x")
    assert not verify_password(stored, "")
    assert not verify_password(stored, "x" * 2000)
    assert not verify_password(stored, None)  # type: ignore[arg-type]
    assert not needs_rehash(stored) and needs_rehash("garbage")
    for bad in ("", "x" * 2000):
        with pytest.raises(ValueError):
            hash_password(bad)
    with pytest.raises(TypeError):
        hash_password(b"bytes")  # type: ignore[arg-type]


def test_bucket_decisions():
    clock = Clock()
    bucket = TokenBucket(2, Fraction(1, 2), clock)
    assert bucket.acquire("a") == Decision(True, 1, Fraction(0))
    assert bucket.acquire("a") == Decision(True, 0, Fraction(0))
    assert bucket.acquire("a") == Decision(False, 0, Fraction(2))
    clock.advance(1)
    assert bucket.acquire("a") == Decision(False, 0, Fraction(1))
    clock.now -= 5 * 10**9  # backwards: nothing changes
    assert bucket.acquire("a") == Decision(False, 0, Fraction(1))
    clock.advance(100)
    assert bucket.acquire("a", 2) == Decision(True, 0, Fraction(0))
    assert len(bucket) == 1
    clock.advance(100)
    bucket.acquire("b")
    assert len(bucket) == 1  # "a" was full again and forgotten


def test_bucket_arguments():
    clock = Clock()
    with pytest.raises(ValueError):
        TokenBucket(0, 1, clock)
    with pytest.raises(TypeError):
        TokenBucket(1, 0.5, clock)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        TokenBucket(1, -1, clock)
    bucket = TokenBucket(1, 1, clock)
    for cost in (0, 2):
        with pytest.raises(ValueError):
            bucket.acquire("k", cost)
    with pytest.raises(TypeError):
        TokenBucket(1, 1, lambda: 1.5).acquire("k")  # type: ignore[arg-type, return-value]


@pytest.fixture
def client(redis_url):
    connection = redis.Redis.from_url(redis_url)
    yield connection
    connection.close()


def test_redis_bucket_with_a_clock(client):
    clock = Clock()
    prefix = f"test:{uuid.uuid4().hex}:"
    bucket = RedisTokenBucket(client, 2, Fraction(1, 2), prefix=prefix, clock=clock)
    memory = TokenBucket(2, Fraction(1, 2), clock)
    for step in (0, 0, 0, 1, 1, 0, 30, 0, 0, 10**7):
        clock.advance(step)
        assert bucket.acquire("k") == memory.acquire("k")
    clock.now -= 10**9
    assert bucket.acquire("k") == memory.acquire("k")


def test_redis_bucket_on_the_server_clock(client):
    prefix = f"test:{uuid.uuid4().hex}:"
    bucket = RedisTokenBucket(client, 3, Fraction(1, 100), prefix=prefix)
    assert [bucket.acquire("k").allowed for _ in range(4)] == [True, True, True, False]
    assert 0 < client.pttl(f"{prefix}k") <= 300_000
    with pytest.raises(ValueError):
        bucket.acquire("k", 4)
    with pytest.raises(ValueError):
        RedisTokenBucket(client, 10**6, Fraction(1, 10**6))
