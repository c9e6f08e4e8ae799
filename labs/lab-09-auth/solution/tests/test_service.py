"""Model tests of part C: the service through Starlette's test client."""

from __future__ import annotations

import uuid
import warnings
from fractions import Fraction

import pytest
import redis
from auth import jwt
from auth.app import create_app
from auth.keys import HMACKey
from auth.ratelimit import RedisTokenBucket
from auth.settings import Settings
from conftest import Clock

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

KEY = HMACKey(b"k" * 32, kid="main")
PASSWORD = "a long enough password"


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def client(clock):
    settings = Settings(key=KEY, clock_ns=clock, token_capacity=2, token_refill_per_second=Fraction(1, 10))
    with TestClient(create_app(settings)) as http:
        yield http


def _login(http, username="alice", password=PASSWORD):
    return http.post("/token", data={"grant_type": "password", "username": username, "password": password})


def test_register_login_me(client):
    assert client.post("/register", json={"username": "alice", "password": PASSWORD}).status_code == 201
    assert client.post("/register", json={"username": "alice", "password": PASSWORD}).status_code == 409
    bad = client.post("/register", json={"username": "A B", "password": "tiny7"})
    assert bad.status_code == 422 and "tiny7" not in bad.text
    tokens = _login(client).json()
    me = client.get("/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert me.json() == {"username": "alice"}
    assert client.get("/me").status_code == 401
    assert client.get("/me", headers={"Authorization": "Bearer x.y.z"}).status_code == 401
    ghost = jwt.encode(
        {
            "sub": "ghost",
            "iss": "https://auth.labs.example",
            "aud": "labs-api",
            "iat": 1,
            "exp": 4_000_000_000,
        },
        KEY,
        "HS256",
    )
    assert client.get("/me", headers={"Authorization": f"Bearer {ghost}"}).status_code == 401


def test_login_errors_and_rate_limit(client, clock):
    client.post("/register", json={"username": "bob", "password": PASSWORD})
    assert _login(client, "bob", "wrong password").json()["error"] == "invalid_grant"
    assert _login(client, "nobody").json()["error"] == "invalid_grant"
    assert client.post("/token", data={"grant_type": "password"}).json()["error"] == "invalid_request"
    assert client.post("/token", data={"grant_type": "magic"}).json()["error"] == "unsupported_grant_type"
    assert _login(client, "bob").status_code == 200
    limited = _login(client, "bob")
    assert limited.status_code == 429 and limited.headers["retry-after"] == "10"
    clock.advance(10)
    assert _login(client, "bob").status_code == 200


def test_refresh_rotation(client, clock):
    client.post("/register", json={"username": "carl", "password": PASSWORD})
    first = _login(client, "carl").json()

    def refresh(token):
        return client.post("/token", data={"grant_type": "refresh_token", "refresh_token": token})

    second = refresh(first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    assert refresh(first["refresh_token"]).status_code == 400
    assert refresh(second["refresh_token"]).status_code == 400
    assert client.post("/token", data={"grant_type": "refresh_token"}).json()["error"] == "invalid_request"
    clock.advance(100)  # the login bucket refills
    third = _login(client, "carl").json()
    clock.advance(86_400)
    assert refresh(third["refresh_token"]).json()["error_description"] == "refresh token expired"


def test_refresh_of_a_deleted_user_and_expired_access(clock):
    app = create_app(Settings(key=KEY, clock_ns=clock))
    with TestClient(app) as http:
        http.post("/register", json={"username": "dora", "password": PASSWORD})
        tokens = _login(http, "dora").json()
        clock.advance(300)
        assert (
            http.get("/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).status_code == 401
        )


def test_shared_redis_limiter(redis_url, clock):
    connection = redis.Redis.from_url(redis_url)
    limiter = RedisTokenBucket(
        connection, 1, Fraction(1, 60), prefix=f"test:{uuid.uuid4().hex}:", clock=clock
    )
    with TestClient(create_app(Settings(key=KEY, clock_ns=clock, limiter=limiter))) as http:
        http.post("/register", json={"username": "eve", "password": PASSWORD})
        assert _login(http, "eve").status_code == 200
        assert _login(http, "eve").status_code == 429
    connection.close()
