"""JWT (RFC 7519) on top of JWS: claims encoded as a JSON object, and validated on the way in.

Validation follows RFC 7519 section 4.1 and RFC 8725: the signature first, then the types of the
registered claims, then the required claims, then `exp`, `nbf`, `iat`, `iss` and `aud`, each with its
own error. Times are NumericDate (seconds since the epoch, int or float); `leeway` widens every window.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from auth.keys import Key, KeySet

TIME_CLAIMS = ("exp", "nbf", "iat")

STRING_CLAIMS = ("iss", "sub", "jti")


def encode(claims: Mapping[str, Any], key: Key, alg: str, headers: Mapping[str, Any] | None = None) -> str:
    """A signed JWT of `claims` (a JSON object; `typ` is `JWT`). `alg` must be the key's algorithm
    (`ValueError` otherwise); registered claims of the wrong type are refused (`TypeError`)."""
    raise NotImplementedError("encode: see README section 4.1")


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
    raise NotImplementedError("decode: see README section 4.1")
