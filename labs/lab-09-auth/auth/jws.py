"""JWS compact serialization (RFC 7515 sections 3.1, 5.1 and 5.2) with the RFC 8725 checks.

A token is `BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature)`, signed over the ASCII
of the first two segments. `verify` trusts nothing in the token before the signature checks out: the
algorithm comes from the caller's allow-list and the key's own binding, never from the header alone.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from auth.keys import Key, KeySet

MAX_TOKEN_LENGTH = 8192  # characters: anything longer is refused before it is decoded

MAX_DEPTH = 16  # nesting of JSON objects and arrays in a header or payload

SUPPORTED = frozenset({"HS256", "RS256", "ES256"})


def parse_json_object(raw: bytes, what: str) -> dict[str, Any]:
    """`raw` as a JSON object: UTF-8, no duplicate members, no NaN, nested at most MAX_DEPTH."""
    raise NotImplementedError("parse_json_object: see README section 4.1")


def sign(payload: bytes, key: Key, headers: Mapping[str, Any] | None = None) -> str:
    """A compact JWS of `payload` signed with `key`; the header is `headers` plus `alg` (the key's) and
    `kid` (when the key has one). `ValueError` if `headers` tries to set another `alg` or `kid`."""
    raise NotImplementedError("sign: see README section 4.1")


def verify(token: str, keys: Key | KeySet, *, algorithms: Collection[str]) -> tuple[dict[str, Any], bytes]:
    """Check a compact JWS and return `(header, payload)`.

    Refused, in this order: anything but a `str` of at most MAX_TOKEN_LENGTH ASCII characters with three
    segments, bad base64url or header JSON (`MalformedToken`); an `alg` that is `none` in any case, not in
    `algorithms`, or not the key's (`AlgorithmNotAllowed`); a `crit` header (`MalformedToken`: no
    extension is understood); an unknown `kid` or a signature that does not verify (`InvalidSignature`).
    `algorithms` is mandatory and must be a non-empty collection of supported names."""
    raise NotImplementedError("verify: see README section 4.1")
