"""The settings of the service `auth.app.create_app` builds (given, complete)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any


@dataclass(frozen=True)
class Settings:
    """Everything the service is configured with.

    `key`: the private key (an `auth.keys.HMACKey`, `RSAKey` or `ECKey`) that signs access tokens, and
    whose algorithm is the only one `/me` accepts. `issuer` / `audience`: the `iss` and `aud` of every
    access token, checked on the way back in. `access_ttl` / `refresh_ttl`: lifetimes in seconds.
    `token_capacity` / `token_refill_per_second`: the token bucket that limits `POST /token` per
    username. `limiter`: a ready-made limiter to use instead (e.g. an `auth.ratelimit.RedisTokenBucket`
    shared by several workers); when None the app makes a `TokenBucket` from the two numbers above and
    `clock_ns`. `clock_ns`: the service's clock, integer nanoseconds since the epoch, for token times
    and the limiter. `logger_name`: the logger the service writes its events to."""

    key: Any
    issuer: str = "https://auth.labs.example"
    audience: str = "labs-api"
    access_ttl: int = 300
    refresh_ttl: int = 86_400
    token_capacity: int = 5
    token_refill_per_second: Fraction = Fraction(1, 60)
    limiter: Any = None
    clock_ns: Callable[[], int] = field(default=time.time_ns)
    logger_name: str = "auth.app"
