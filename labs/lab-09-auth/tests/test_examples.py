"""Example tests: they pass on a finished lab. Add your own (the coverage gate counts only your tests).

The `redis_url` fixture (from the autograder's plugin) is the URL of a real Redis server; use keys of
your own (a random prefix) because the graders may share it.
"""

from __future__ import annotations

import uuid
from fractions import Fraction

import pytest
from auth import jwt
from auth.b64 import b64url_decode, b64url_encode
from auth.errors import AlgorithmNotAllowed, ExpiredToken, MalformedToken
from auth.keys import HMACKey
from auth.ratelimit import Decision, TokenBucket

KEY = HMACKey(b"an example secret of 32 bytes!!!")


def test_base64url_has_no_padding():
    assert b64url_encode(b"\xfb\xff") == "-_8"
    assert b64url_decode("-_8") == b"\xfb\xff"
    with pytest.raises(MalformedToken):
        b64url_decode("-_8=")


def test_round_trip_and_expiry():
    token = jwt.encode({"sub": "alice", "exp": 1000}, KEY, "HS256")
    assert jwt.decode(token, KEY, algorithms=["HS256"], now=999) == {"sub": "alice", "exp": 1000}
    with pytest.raises(ExpiredToken):
        jwt.decode(token, KEY, algorithms=["HS256"], now=1000)
    with pytest.raises(AlgorithmNotAllowed):
        jwt.decode(token, KEY, algorithms=["RS256"], now=999)


def test_bucket_refills_exactly():
    now = [0]
    bucket = TokenBucket(1, Fraction(1, 10), lambda: now[0])
    assert bucket.acquire("k") == Decision(True, 0, Fraction(0))
    assert bucket.acquire("k") == Decision(False, 0, Fraction(10))
    now[0] = 10 * 10**9
    assert bucket.acquire("k").allowed


def test_redis_is_there(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    key = f"example:{uuid.uuid4().hex}"
    assert client.set(key, "1") and client.get(key) == b"1"
    client.delete(key)
    client.close()
