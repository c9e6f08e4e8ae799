"""JWT (RFC 7519) on top of JWS: claims encoded as a JSON object, and validated on the way in.

Validation follows RFC 7519 section 4.1 and RFC 8725: the signature first, then the types of the
registered claims, then the required claims, then `exp`, `nbf`, `iat`, `iss` and `aud`, each with its
own error. Times are NumericDate (seconds since the epoch, int or float); `leeway` widens every window.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from auth import jws
from auth.errors import (
    ExpiredToken,
    ImmatureToken,
    InvalidAudience,
    InvalidIssuer,
    MalformedToken,
    MissingClaim,
)
from auth.keys import Key, KeySet

TIME_CLAIMS = ("exp", "nbf", "iat")
STRING_CLAIMS = ("iss", "sub", "jti")


def _is_number(value: object) -> bool:
    return type(value) in (int, float) and math.isfinite(value)  # type: ignore[arg-type]


def encode(claims: Mapping[str, Any], key: Key, alg: str, headers: Mapping[str, Any] | None = None) -> str:
    """A signed JWT of `claims` (a JSON object; `typ` is `JWT`). `alg` must be the key's algorithm
    (`ValueError` otherwise); registered claims of the wrong type are refused (`TypeError`)."""
    if not isinstance(claims, Mapping):
        raise TypeError("claims must be a mapping")
    if alg != key.alg:
        raise ValueError(f"the key is bound to {key.alg}, not {alg!r}")
    for name in TIME_CLAIMS:
        if name in claims and not _is_number(claims[name]):
            raise TypeError(f"claim {name!r} must be a NumericDate (int or float seconds)")
    for name in STRING_CLAIMS:
        if name in claims and not isinstance(claims[name], str):
            raise TypeError(f"claim {name!r} must be a string")
    payload = json.dumps(dict(claims), separators=(",", ":"), allow_nan=False).encode("utf-8")
    return jws.sign(payload, key, {"typ": "JWT", **(headers or {})})


def _check_types(claims: Mapping[str, Any]) -> None:
    for name in TIME_CLAIMS:
        if name in claims and not _is_number(claims[name]):
            raise MalformedToken(f"claim {name!r} must be a number of seconds")
    for name in STRING_CLAIMS:
        if name in claims and not isinstance(claims[name], str):
            raise MalformedToken(f"claim {name!r} must be a string")
    if "aud" in claims:
        aud = claims["aud"]
        if not (isinstance(aud, str) or (isinstance(aud, list) and all(isinstance(a, str) for a in aud))):
            raise MalformedToken("claim 'aud' must be a string or a list of strings")


def _names(value: str | Iterable[str]) -> set[str]:
    return {value} if isinstance(value, str) else set(value)


def decode(
    token: str,
    keys: Key | KeySet,
    *,
    algorithms: Collection[str],
    audience: str | Iterable[str] | None = None,
    issuer: str | Iterable[str] | None = None,
    leeway: float = 0,
    now: float | None = None,
    required: Iterable[str] = (),
) -> dict[str, Any]:
    """The claims of a valid JWT; raises the `auth.errors` class of the first check that fails.

    `now` defaults to `time.time()`. Refused: `exp` with `now >= exp + leeway` (`ExpiredToken`);
    `nbf` with `now < nbf - leeway` and `iat` with `iat > now + leeway` (`ImmatureToken`); an `iss`
    not in `issuer` (`InvalidIssuer`); an `aud` sharing nothing with `audience`, or any `aud` when no
    audience is expected (`InvalidAudience`); absent `required` claims, and `iss` / `aud` absent when
    `issuer` / `audience` is given (`MissingClaim`)."""
    if not _is_number(leeway) or leeway < 0:
        raise ValueError("leeway must be a non-negative number of seconds")
    _, payload = jws.verify(token, keys, algorithms=algorithms)
    claims = jws.parse_json_object(payload, "payload")
    _check_types(claims)
    for name in required:
        if name not in claims:
            raise MissingClaim(f"the token has no {name!r} claim")
    current = time.time() if now is None else now
    if "exp" in claims and current >= claims["exp"] + leeway:
        raise ExpiredToken("the token has expired (exp)")
    if "nbf" in claims and current < claims["nbf"] - leeway:
        raise ImmatureToken("the token is not valid yet (nbf)")
    if "iat" in claims and claims["iat"] > current + leeway:
        raise ImmatureToken("the token was issued in the future (iat)")
    if issuer is not None:
        if "iss" not in claims:
            raise MissingClaim("the token has no 'iss' claim")
        if claims["iss"] not in _names(issuer):
            raise InvalidIssuer("the token's issuer (iss) is not the expected one")
    if audience is None:
        if "aud" in claims:
            raise InvalidAudience("the token names an audience (aud) but none is expected")
    else:
        if "aud" not in claims:
            raise MissingClaim("the token has no 'aud' claim")
        if not _names(claims["aud"]) & _names(audience):
            raise InvalidAudience("the token's audience (aud) does not include the expected one")
    return claims
