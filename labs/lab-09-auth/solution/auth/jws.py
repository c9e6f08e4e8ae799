"""JWS compact serialization (RFC 7515 sections 3.1, 5.1 and 5.2) with the RFC 8725 checks.

A token is `BASE64URL(header) "." BASE64URL(payload) "." BASE64URL(signature)`, signed over the ASCII
of the first two segments. `verify` trusts nothing in the token before the signature checks out: the
algorithm comes from the caller's allow-list and the key's own binding, never from the header alone.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import Any

from auth.b64 import b64url_decode, b64url_encode
from auth.errors import AlgorithmNotAllowed, InvalidSignature, MalformedToken
from auth.keys import ECKey, HMACKey, Key, KeySet, RSAKey

MAX_TOKEN_LENGTH = 8192  # characters: anything longer is refused before it is decoded
MAX_DEPTH = 16  # nesting of JSON objects and arrays in a header or payload
SUPPORTED = frozenset({"HS256", "RS256", "ES256"})


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for name, value in pairs:
        if name in found:
            raise MalformedToken(f"duplicate member {name!r} in the token's JSON")
        found[name] = value
    return found


def _reject_constant(name: str) -> None:
    raise MalformedToken(f"{name} is not JSON")


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    return 0


def parse_json_object(raw: bytes, what: str) -> dict[str, Any]:
    """`raw` as a JSON object: UTF-8, no duplicate members, no NaN, nested at most MAX_DEPTH."""
    try:
        text = raw.decode("utf-8")
        value = json.loads(text, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
    except MalformedToken:
        raise
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedToken(f"the {what} is not valid JSON") from exc
    if not isinstance(value, dict):
        raise MalformedToken(f"the {what} is not a JSON object")
    if _depth(value) > MAX_DEPTH:
        raise MalformedToken(f"the {what} is nested too deeply")
    return value


def _compact(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")


def sign(payload: bytes, key: Key, headers: Mapping[str, Any] | None = None) -> str:
    """A compact JWS of `payload` signed with `key`; the header is `headers` plus `alg` (the key's) and
    `kid` (when the key has one). `ValueError` if `headers` tries to set another `alg` or `kid`."""
    if not isinstance(key, (HMACKey, RSAKey, ECKey)):
        raise TypeError(f"sign needs an HMACKey, RSAKey or ECKey, got {type(key).__name__}")
    header: dict[str, Any] = dict(headers or {})
    if header.get("alg", key.alg) != key.alg:
        raise ValueError(f"the key signs {key.alg}, the headers ask for {header['alg']!r}")
    if "kid" in header and header["kid"] != key.kid:
        raise ValueError("the kid header must be the key's own kid")
    header["alg"] = key.alg
    if key.kid is not None:
        header["kid"] = key.kid
    signing_input = f"{b64url_encode(_compact(header))}.{b64url_encode(bytes(payload))}".encode("ascii")
    return f"{signing_input.decode('ascii')}.{b64url_encode(key.sign(signing_input))}"


def verify(token: str, keys: Key | KeySet, *, algorithms: Collection[str]) -> tuple[dict[str, Any], bytes]:
    """Check a compact JWS and return `(header, payload)`.

    Refused, in this order: anything but a `str` of at most MAX_TOKEN_LENGTH ASCII characters with three
    segments, bad base64url or header JSON (`MalformedToken`); an `alg` that is `none` in any case, not in
    `algorithms`, or not the key's (`AlgorithmNotAllowed`); a `crit` header (`MalformedToken`: no
    extension is understood); an unknown `kid` or a signature that does not verify (`InvalidSignature`).
    `algorithms` is mandatory and must be a non-empty collection of supported names."""
    if isinstance(algorithms, str) or not algorithms:
        raise ValueError("algorithms must be a non-empty list of algorithm names")
    allowed = set(algorithms)
    if not allowed <= SUPPORTED:
        raise ValueError(f"unsupported algorithms {sorted(allowed - SUPPORTED)}")
    if not isinstance(token, str):
        raise MalformedToken(f"a token is text, got {type(token).__name__}")
    if len(token) > MAX_TOKEN_LENGTH:
        raise MalformedToken(f"the token is longer than {MAX_TOKEN_LENGTH} characters")
    if not token.isascii():
        raise MalformedToken("the token has non-ASCII characters")
    segments = token.split(".")
    if len(segments) != 3:
        raise MalformedToken(f"a compact JWS has 3 segments, this token has {len(segments)}")
    header_b64, payload_b64, signature_b64 = segments
    header = parse_json_object(b64url_decode(header_b64), "header")
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise MalformedToken("the header has no alg string")
    if alg.lower() == "none":
        raise AlgorithmNotAllowed("alg none is never accepted")
    if alg not in allowed:
        raise AlgorithmNotAllowed(f"alg {alg!r} is not in the allowed algorithms")
    if "crit" in header:
        raise MalformedToken("the token has critical header extensions this verifier does not understand")
    payload = b64url_decode(payload_b64)
    signature = b64url_decode(signature_b64)
    if isinstance(keys, KeySet):
        key = keys.find(header.get("kid"), alg)
    elif isinstance(keys, (HMACKey, RSAKey, ECKey)):
        if _kid_mismatch(keys, header.get("kid")):
            raise InvalidSignature("the token's kid is not the key's")
        if keys.alg != alg:
            raise AlgorithmNotAllowed(f"the key is bound to {keys.alg}, the token says {alg}")
        key = keys
    else:
        raise TypeError(f"keys must be a key or a KeySet, got {type(keys).__name__}")
    if not key.verify(f"{header_b64}.{payload_b64}".encode("ascii"), signature):
        raise InvalidSignature("the signature does not verify")
    return header, payload


def _kid_mismatch(key: Key, kid: object) -> bool:
    """Whether a token's `kid` names another key than the single `key` given (None matches any key)."""
    return kid is not None and key.kid is not None and kid != key.kid
