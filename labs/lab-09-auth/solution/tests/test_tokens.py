"""Model tests of part A: base64url, keys, JWS and JWT."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from auth import jws, jwt
from auth.b64 import b64url_decode, b64url_encode
from auth.errors import (
    AlgorithmNotAllowed,
    ExpiredToken,
    ImmatureToken,
    InvalidAudience,
    InvalidIssuer,
    InvalidSignature,
    MalformedToken,
    MissingClaim,
)
from auth.keys import ECKey, HMACKey, KeySet, RSAKey
from conftest import private_pem, public_pem
from cryptography.hazmat.primitives.asymmetric import ec, rsa

SECRET = b"0123456789abcdef0123456789abcdef"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _hs(header: object, payload: object, secret: bytes = SECRET, raw_payload: bytes | None = None) -> str:
    body = raw_payload if raw_payload is not None else json.dumps(payload).encode()
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(body)}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"


# --- base64url -------------------------------------------------------------------------------------
@pytest.mark.parametrize("data", [b"", b"f", b"fo", b"foo", b"\xff\xfe\xfd\xfc"])
def test_b64_round_trip(data):
    text = b64url_encode(data)
    assert "=" not in text and b64url_decode(text) == data


@pytest.mark.parametrize("text", ["QQ==", "a+b/", "QUJDR", "QR", "QUJ", "QU I", 7])
def test_b64_strict(text):
    with pytest.raises(MalformedToken):
        b64url_decode(text)


def test_b64_encode_needs_bytes():
    with pytest.raises(TypeError):
        b64url_encode("text")  # type: ignore[arg-type]


# --- keys ------------------------------------------------------------------------------------------
def test_key_construction_rules(rsa_private, ec_private):
    with pytest.raises(TypeError):
        HMACKey("secret" * 8)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        HMACKey(b"short")
    with pytest.raises(ValueError):
        HMACKey(SECRET, kid="")
    with pytest.raises(TypeError):
        RSAKey(ec_private)
    with pytest.raises(ValueError):
        RSAKey(rsa.generate_private_key(public_exponent=65537, key_size=1024))
    with pytest.raises(TypeError):
        ECKey(rsa_private)
    with pytest.raises(ValueError):
        ECKey(ec.generate_private_key(ec.SECP384R1()))
    assert "secret" not in repr(HMACKey(SECRET)).replace("secret=***", "")


def test_keys_sign_and_verify(rsa_private, ec_private):
    for private, public in (
        (RSAKey(rsa_private), RSAKey.from_pem(public_pem(rsa_private))),
        (ECKey(ec_private), ECKey.from_pem(public_pem(ec_private))),
        (RSAKey.from_pem(private_pem(rsa_private)), RSAKey(rsa_private).public()),
        (ECKey.from_pem(private_pem(ec_private)), ECKey(ec_private).public()),
    ):
        signature = private.sign(b"message")
        assert public.verify(b"message", signature) and private.verify(b"message", signature)
        assert not public.verify(b"other", signature)
        assert not public.verify(b"message", signature[:-1])
        assert public.public().verify(b"message", signature)
        with pytest.raises(TypeError):
            public.sign(b"message")
    assert len(ECKey(ec_private).sign(b"m")) == 64
    assert not ECKey(ec_private).verify(b"m", b"\xff" * 64)


def test_key_set_lookup(rsa_private):
    hs, rs = HMACKey(SECRET, kid="h"), RSAKey(rsa_private, kid="r")
    keys = KeySet([hs, rs, HMACKey(SECRET)])
    assert len(keys) == 3
    assert keys.find("h", "HS256") is hs and keys.find("r", "RS256") is rs
    with pytest.raises(InvalidSignature):
        keys.find("x", "HS256")
    with pytest.raises(InvalidSignature):
        keys.find(None, "HS256")
    with pytest.raises(MalformedToken):
        keys.find(3, "HS256")
    with pytest.raises(AlgorithmNotAllowed):
        keys.find("r", "HS256")
    assert KeySet([hs]).find(None, "HS256") is hs
    with pytest.raises(ValueError):
        KeySet([hs, HMACKey(SECRET, kid="h")])
    with pytest.raises(TypeError):
        KeySet([SECRET])  # type: ignore[list-item]


# --- JWS -------------------------------------------------------------------------------------------
def test_sign_and_verify_round_trip(rsa_private):
    key = RSAKey(rsa_private, kid="r")
    token = jws.sign(b"payload", key, {"cty": "text"})
    header, payload = jws.verify(token, key, algorithms=["RS256"])
    assert header == {"cty": "text", "alg": "RS256", "kid": "r"} and payload == b"payload"
    with pytest.raises(ValueError):
        jws.sign(b"p", key, {"alg": "HS256"})
    with pytest.raises(ValueError):
        jws.sign(b"p", key, {"kid": "other"})
    with pytest.raises(TypeError):
        jws.sign(b"p", SECRET)  # type: ignore[arg-type]


def test_verify_refusals(rsa_private):
    key = HMACKey(SECRET)
    good = _hs({"alg": "HS256"}, {"a": 1})
    assert jws.verify(good, key, algorithms=["HS256"])[1] == b'{"a": 1}'
    refusals = [
        (_hs({"alg": "none"}, {}), AlgorithmNotAllowed),
        (_hs({"alg": "NoNe"}, {}), AlgorithmNotAllowed),
        (_hs({"alg": "RS256"}, {}), AlgorithmNotAllowed),
        (_hs({"alg": "HS256", "crit": ["b64"]}, {}), MalformedToken),
        (_hs({"typ": "JWT"}, {}), MalformedToken),
        (_hs(["HS256"], {}), MalformedToken),
        (good + ".x", MalformedToken),
        ("x" * 9000, MalformedToken),
        (good + "é", MalformedToken),
        (b"bytes", MalformedToken),
        (good[:-2] + ("AA" if not good.endswith("AA") else "BA"), InvalidSignature),
        (_hs({"alg": "HS256", "kid": "other"}, {}), InvalidSignature),
    ]
    for token, error in refusals:
        with pytest.raises(error):
            jws.verify(token, HMACKey(SECRET, kid="mine"), algorithms=["HS256"])  # type: ignore[arg-type]
    with pytest.raises(AlgorithmNotAllowed):
        jws.verify(good, RSAKey(rsa_private), algorithms=["HS256"])
    with pytest.raises(ValueError):
        jws.verify(good, key, algorithms=[])
    with pytest.raises(ValueError):
        jws.verify(good, key, algorithms="HS256")
    with pytest.raises(ValueError):
        jws.verify(good, key, algorithms=["none"])
    with pytest.raises(TypeError):
        jws.verify(good, SECRET, algorithms=["HS256"])  # type: ignore[arg-type]
    keyset = KeySet([HMACKey(SECRET, kid="k")])
    assert jws.verify(_hs({"alg": "HS256", "kid": "k"}, {}), keyset, algorithms=["HS256"])


def test_json_rules():
    key = HMACKey(SECRET)
    for raw in (
        b'{"a":1,"a":2}',
        b"[1]",
        b"\xff",
        b'{"a":NaN}',
        b'{"a":' + b"[" * 40 + b"]" * 40 + b"}",
        b"{",
    ):
        with pytest.raises(MalformedToken):
            jwt.decode(_hs({"alg": "HS256"}, None, raw_payload=raw), key, algorithms=["HS256"], now=0)


# --- JWT -------------------------------------------------------------------------------------------
def test_encode_decode_and_claims(ec_private):
    key = ECKey(ec_private, kid="e")
    claims = {"iss": "i", "sub": "s", "aud": ["a", "b"], "exp": 100, "nbf": 10, "iat": 10, "jti": "j"}
    token = jwt.encode(claims, key, "ES256")
    assert (
        jwt.decode(token, key, algorithms=["ES256"], audience="b", issuer=["i"], now=50, required=["jti"])
        == claims
    )
    cases = [
        ({"now": 100}, ExpiredToken),
        ({"now": 9}, ImmatureToken),
        ({"now": 50, "audience": "c"}, InvalidAudience),
        ({"now": 50, "audience": "a", "issuer": "x"}, InvalidIssuer),
        ({"now": 50, "audience": "a", "required": ["role"]}, MissingClaim),
        ({"now": 50}, InvalidAudience),
    ]
    for options, error in cases:
        with pytest.raises(error):
            jwt.decode(token, key, algorithms=["ES256"], **options)
    assert jwt.decode(token, key, algorithms=["ES256"], audience="a", now=104, leeway=5)["sub"] == "s"
    future = jwt.encode({"iat": 200}, key, "ES256")
    with pytest.raises(ImmatureToken):
        jwt.decode(future, key, algorithms=["ES256"], now=100)
    bare = jwt.encode({"sub": "x"}, key, "ES256")
    with pytest.raises(MissingClaim):
        jwt.decode(bare, key, algorithms=["ES256"], audience="a", now=0)
    with pytest.raises(MissingClaim):
        jwt.decode(bare, key, algorithms=["ES256"], issuer="a", now=0)
    with pytest.raises(ValueError):
        jwt.decode(bare, key, algorithms=["ES256"], leeway=-1)
    assert jwt.decode(jwt.encode({"exp": 4_000_000_000}, key, "ES256"), key, algorithms=["ES256"])


def test_encode_refusals():
    key = HMACKey(SECRET)
    with pytest.raises(ValueError):
        jwt.encode({}, key, "RS256")
    with pytest.raises(TypeError):
        jwt.encode({"exp": "soon"}, key, "HS256")
    with pytest.raises(TypeError):
        jwt.encode({"sub": 1}, key, "HS256")
    with pytest.raises(TypeError):
        jwt.encode([("sub", "x")], key, "HS256")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "claims", [{"exp": "1"}, {"nbf": True}, {"iat": None}, {"iss": 1}, {"aud": 1}, {"aud": ["a", 2]}]
)
def test_claim_types(claims):
    with pytest.raises(MalformedToken):
        jwt.decode(_hs({"alg": "HS256"}, claims), HMACKey(SECRET), algorithms=["HS256"], now=0)
