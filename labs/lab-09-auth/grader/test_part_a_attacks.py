"""Part A: the attack corpus (RFC 8725 sections 2 and 3): every forged or damaged token is refused with
the right error, and a genuine token still verifies."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest
from auth import jws
from auth import jwt as ours
from auth.keys import ECKey, HMACKey, KeySet, RSAKey
from auth_grading import b64, error_name, forge, hs256

pytestmark = [pytest.mark.part("A")]

PAYLOAD = {"sub": "mallory", "admin": True}


def _genuine(token, keys, algorithms):
    """Positive control: a genuine token must verify (a verifier that refuses everything earns nothing)."""
    _, payload = jws.verify(token, keys, algorithms=algorithms)
    assert json.loads(bytes(payload)) == PAYLOAD, "a genuine token did not verify to its payload"


@pytest.mark.points(4)
@pytest.mark.critical("a token with alg none is never accepted")
@pytest.mark.hints(
    "RFC 8725 section 3.1: 'none' must never be accepted, whatever the caller's list says.",
    "Compare the algorithm case-insensitively for 'none': 'None' and 'NONE' are the same attack.",
)
def test_alg_none_in_every_capitalisation(material, partial_credit):
    """Unsigned tokens (alg none in any capitalisation, with or without a signature) raise AlgorithmNotAllowed."""
    key = HMACKey(material.secret)
    _genuine(hs256(material.secret, {"alg": "HS256"}, PAYLOAD), key, ["HS256"])
    variants = ["none", "None", "NONE", "nOnE", "NoNe"]
    partial_credit.total = 2 * len(variants)
    for alg in variants:
        for signature in (b"", b"x" * 32):
            token = forge({"alg": alg, "typ": "JWT"}, PAYLOAD, signature)
            got = error_name(lambda token=token: jws.verify(token, key, algorithms=["HS256"]))
            partial_credit.check(got == "AlgorithmNotAllowed",
                                 f"alg {alg!r}, signature {len(signature)} bytes: expected AlgorithmNotAllowed, got {got}")  # fmt: skip


@pytest.mark.points(4)
@pytest.mark.critical("algorithm confusion (an RSA or EC public key used as an HMAC secret) is refused")
@pytest.mark.hints(
    "The key decides the algorithm: an RSAKey only ever verifies RS256, whatever the header says.",
    "An attacker signs HS256 with your public key's PEM as the secret; a verifier that feeds the PEM to HMAC "
    "accepts it. Refuse when the header's alg is not the key's alg.",
    "The allow-list is the caller's: a valid HS256 token must be refused when algorithms=['RS256'].",
)
def test_algorithm_confusion_is_refused(material, partial_credit):
    """HS256 tokens MACed with a public key's PEM, and algorithms outside the allow-list, raise AlgorithmNotAllowed;
    an allow-list of unsupported names is a ValueError."""
    rsa_public = RSAKey.from_pem(material.rsa_public_pem, kid="rsa")
    ec_public = ECKey.from_pem(material.ec_public_pem, kid="ec")
    _genuine(ours.encode(PAYLOAD, RSAKey(material.rsa_private, kid="rsa"), "RS256"), rsa_public, ["RS256"])
    cases = []
    for key, pem, kid in (
        (rsa_public, material.rsa_public_pem, "rsa"),
        (ec_public, material.ec_public_pem, "ec"),
    ):
        for secret in (pem, pem.strip()):
            token = hs256(secret, {"alg": "HS256", "kid": kid}, PAYLOAD)
            cases.append(
                (f"HS256 with the {kid} public PEM as secret", token, key, ["HS256", "RS256", "ES256"])
            )
            cases.append((f"same, through a KeySet ({kid})", token, KeySet([rsa_public, ec_public]), ["HS256", "RS256", "ES256"]))  # fmt: skip
    genuine_hs = hs256(material.secret, {"alg": "HS256"}, PAYLOAD)
    cases.append(("HS256 token, algorithms=['RS256']", genuine_hs, HMACKey(material.secret), ["RS256"]))
    es_token = ours.encode(PAYLOAD, ECKey(material.ec_private), "ES256")
    cases.append(("ES256 token checked with an RSA key", es_token, rsa_public, ["ES256", "RS256"]))
    lower_hs = hs256(material.secret, {"alg": "hs256"}, PAYLOAD)
    cases.append(
        ("alg 'hs256' (alg names are case-sensitive)", lower_hs, HMACKey(material.secret), ["HS256"])
    )
    rs_as_es = forge({"alg": "ES256", "kid": "rsa"}, PAYLOAD, b"\0" * 64)
    cases.append(("ES256 header naming the RSA key's kid", rs_as_es, KeySet([rsa_public, ec_public]), ["ES256", "RS256"]))  # fmt: skip
    unsupported = (["none"], ["HS512"], ["HS256", "none"])
    partial_credit.total = len(cases) + 2 + len(unsupported)
    for label, token, keys, algorithms in cases:
        got = error_name(lambda t=token, k=keys, a=algorithms: jws.verify(t, k, algorithms=a))
        partial_credit.check(
            got == "AlgorithmNotAllowed", f"{label}: expected AlgorithmNotAllowed, got {got}"
        )
    got = error_name(lambda: jws.verify(genuine_hs, HMACKey(material.secret)))  # type: ignore[call-arg]
    partial_credit.check(got == "TypeError", f"verify without algorithms: expected TypeError, got {got}")
    got = error_name(lambda: jws.verify(genuine_hs, HMACKey(material.secret), algorithms=[]))
    partial_credit.check(got == "ValueError", f"verify with algorithms=[]: expected ValueError, got {got}")
    for names in unsupported:
        got = error_name(
            lambda names=names: jws.verify(genuine_hs, HMACKey(material.secret), algorithms=names)
        )
        partial_credit.check(
            got == "ValueError", f"verify with algorithms={names}: expected ValueError, got {got}"
        )


@pytest.mark.points(2)
@pytest.mark.hints(
    "A kid is a name to look up in a dict, nothing more: no files, no URLs, no fallback to another key.",
    "An unknown kid is InvalidSignature; a kid that is not a string is MalformedToken.",
    "Headers such as jwk, jku and x5u carry the attacker's own key: ignore them, never trust them.",
)
def test_kid_tricks(material, partial_credit):
    """Unknown, path-like, empty and non-string kids, a kid naming another key, and embedded attacker keys, are
    refused."""
    good = HMACKey(material.secret, kid="main")
    other = HMACKey(b"o" * 32, kid="other")
    keyset = KeySet([good, other])
    _genuine(hs256(material.secret, {"alg": "HS256", "kid": "main"}, PAYLOAD), keyset, ["HS256"])
    attacker = b"a" * 32
    cases = [
        ("unknown kid", hs256(material.secret, {"alg": "HS256", "kid": "nope"}, PAYLOAD), "InvalidSignature"),
        ("kid in other case", hs256(material.secret, {"alg": "HS256", "kid": "MAIN"}, PAYLOAD), "InvalidSignature"),
        ("path kid", hs256(b"", {"alg": "HS256", "kid": "../../../../dev/null"}, PAYLOAD), "InvalidSignature"),
        ("empty kid", hs256(b"", {"alg": "HS256", "kid": ""}, PAYLOAD), "InvalidSignature"),
        ("kid with SQL", hs256(attacker, {"alg": "HS256", "kid": "x' OR '1'='1"}, PAYLOAD), "InvalidSignature"),
        ("kid main, attacker's MAC", hs256(attacker, {"alg": "HS256", "kid": "main"}, PAYLOAD), "InvalidSignature"),
        ("no kid, two keys", hs256(material.secret, {"alg": "HS256"}, PAYLOAD), "InvalidSignature"),
        ("integer kid", hs256(material.secret, {"alg": "HS256", "kid": 1}, PAYLOAD), "MalformedToken"),
        ("list kid", hs256(material.secret, {"alg": "HS256", "kid": ["main"]}, PAYLOAD), "MalformedToken"),
        ("embedded jwk", hs256(attacker, {"alg": "HS256", "kid": "main",
                                          "jwk": {"kty": "oct", "k": b64(attacker)}}, PAYLOAD), "InvalidSignature"),
        ("jku", hs256(attacker, {"alg": "HS256", "kid": "main", "jku": "http://127.0.0.1:1/keys"}, PAYLOAD),
         "InvalidSignature"),
    ]  # fmt: skip
    partial_credit.total = len(cases) + 1
    for label, token, want in cases:
        got = error_name(lambda t=token: jws.verify(t, keyset, algorithms=["HS256"]))
        partial_credit.check(got == want, f"{label}: expected {want}, got {got}")
    other_kid = hs256(material.secret, {"alg": "HS256", "kid": "other"}, PAYLOAD)
    got = error_name(lambda: jws.verify(other_kid, good, algorithms=["HS256"]))
    partial_credit.check(got == "InvalidSignature",
                         f"a single key (kid 'main') and a token naming kid 'other': expected InvalidSignature, got {got}")  # fmt: skip


@pytest.mark.points(3)
@pytest.mark.hints(
    "Any change to any byte of any segment must break the signature.",
    "An empty signature segment is not 'no signature to check'. A truncated one must be refused too.",
    "An ES256 signature in DER form is not the JWS form: verify must refuse anything but 64 bytes.",
)
def test_signature_stripping_and_tampering(material, partial_credit):
    """Stripped, truncated, bit-flipped and re-targeted signatures, and DER-form ES256, are refused."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    cases = []
    for alg, key in (("HS256", HMACKey(material.secret)), ("RS256", RSAKey(material.rsa_private)),
                     ("ES256", ECKey(material.ec_private))):  # fmt: skip
        token = ours.encode(PAYLOAD, key, alg)
        _genuine(token, key, [alg])
        head, body, sig = token.split(".")
        cases += [
            (f"{alg} stripped signature", f"{head}.{body}.", key, alg),
            (f"{alg} no signature segment", f"{head}.{body}", key, alg),
            (f"{alg} signature cut by 4 chars", f"{head}.{body}.{sig[:-4]}", key, alg),
            (
                f"{alg} payload changed",
                f"{head}.{b64(json.dumps({'sub': 'mallory', 'admin': False}).encode())}.{sig}",
                key,
                alg,
            ),
            (f"{alg} signature doubled", f"{head}.{body}.{sig}{sig}", key, alg),
        ]
        raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
        raw[5] ^= 1
        flipped = b64(bytes(raw))
        cases.append((f"{alg} one bit flipped", f"{head}.{body}.{flipped}", key, alg))
    signing_input = b64(b'{"alg":"ES256"}') + "." + b64(json.dumps(PAYLOAD).encode())
    der = material.ec_private.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
    cases.append(("ES256 DER signature", f"{signing_input}.{b64(der)}", ECKey(material.ec_private), "ES256"))
    hs_head, hs_body, _ = ours.encode(PAYLOAD, HMACKey(material.secret), "HS256").split(".")
    mac = hmac.new(b"z" * 32, f"{hs_head}.{hs_body}".encode(), hashlib.sha256).digest()
    cases.append(
        ("HS256 MAC of another secret", f"{hs_head}.{hs_body}.{b64(mac)}", HMACKey(material.secret), "HS256")
    )
    partial_credit.total = len(cases)
    for label, token, key, alg in cases:
        got = error_name(lambda t=token, k=key, a=alg: jws.verify(t, k, algorithms=[a]))
        ok = got in ("InvalidSignature", "MalformedToken")
        partial_credit.check(ok, f"{label}: expected InvalidSignature (or MalformedToken), got {got}")


@pytest.mark.points(2)
@pytest.mark.hints(
    "JSON with a member twice is ambiguous (RFC 7515 section 5.2): refuse it rather than keep the last.",
    "Check the size before doing any work, and bound the nesting depth of the JSON you accept.",
    "A crit header names extensions you must understand or refuse (RFC 7515 section 4.1.11).",
)
def test_malformed_structure(material, partial_credit):
    """Wrong segment counts, bad JSON, duplicate members, huge and deeply nested tokens raise MalformedToken."""
    secret = material.secret
    key = HMACKey(secret)
    _genuine(hs256(secret, {"alg": "HS256"}, PAYLOAD), key, ["HS256"])
    deep = "[" * 200 + "]" * 200
    cases = [
        ("two segments", "a.b"),
        ("four segments", hs256(secret, {"alg": "HS256"}, PAYLOAD) + ".x"),
        ("padded header", hs256(secret, {"alg": "HS256"}, PAYLOAD).replace(".", "=.", 1)),
        ("header not JSON", hs256(secret, None, PAYLOAD, header_raw=b"{alg:HS256}")),
        ("header a JSON array", hs256(secret, ["HS256"], PAYLOAD)),
        ("duplicate alg", hs256(secret, None, PAYLOAD, header_raw=b'{"alg":"none","alg":"HS256"}')),
        ("duplicate claim", hs256(secret, {"alg": "HS256"}, None, payload_raw=b'{"sub":"a","sub":"root"}')),
        ("payload a JSON string", hs256(secret, {"alg": "HS256"}, "hello")),
        ("payload not UTF-8", hs256(secret, {"alg": "HS256"}, None, payload_raw=b'{"sub":"\xff"}')),
        ("NaN claim", hs256(secret, {"alg": "HS256"}, None, payload_raw=b'{"exp":NaN}')),
        (
            "deeply nested payload",
            hs256(secret, {"alg": "HS256"}, None, payload_raw=f'{{"a":{deep}}}'.encode()),
        ),
        (
            "payload of empty arrays nested 17 deep (MAX_DEPTH is 16)",
            hs256(secret, {"alg": "HS256"}, None, payload_raw=('{"a":' + "[" * 16 + "]" * 16 + "}").encode()),
        ),
        (
            "payload nested 17 deep (MAX_DEPTH is 16)",
            hs256(
                secret,
                {"alg": "HS256"},
                None,
                payload_raw=('{"a":' + "[" * 16 + "1" + "]" * 16 + "}").encode(),
            ),
        ),
        ("huge token", hs256(secret, {"alg": "HS256"}, {"sub": "x" * 200_000})),
        ("crit header", hs256(secret, {"alg": "HS256", "crit": ["exp"], "exp": 1}, PAYLOAD)),
        ("crit header, empty list", hs256(secret, {"alg": "HS256", "crit": []}, PAYLOAD)),
        (
            "NaN in a private claim",
            hs256(secret, {"alg": "HS256"}, None, payload_raw=b'{"sub":"a","score":NaN}'),
        ),
        ("Infinity in the header", hs256(secret, None, PAYLOAD, header_raw=b'{"alg":"HS256","x":Infinity}')),
        ("trailing newline", hs256(secret, {"alg": "HS256"}, PAYLOAD) + "\n"),
        ("alg not a string", hs256(secret, {"alg": ["HS256"]}, PAYLOAD)),
        ("no alg", hs256(secret, {"typ": "JWT"}, PAYLOAD)),
        ("bytes token", hs256(secret, {"alg": "HS256"}, PAYLOAD).encode()),
        ("non-ASCII token", hs256(secret, {"alg": "HS256"}, PAYLOAD) + "\u00e9"),
    ]
    partial_credit.total = len(cases) + 3
    for label, token in cases:
        got = error_name(lambda t=token: ours.decode(t, key, algorithms=["HS256"], now=0))
        partial_credit.check(got == "MalformedToken", f"{label}: expected MalformedToken, got {got}")
    at_limit = hs256(
        secret, {"alg": "HS256"}, None, payload_raw=('{"a":' + "[" * 15 + "1" + "]" * 15 + "}").encode()
    )
    got = error_name(lambda: ours.decode(at_limit, key, algorithms=["HS256"], now=0))
    partial_credit.check(
        got == "no error", f"a payload nested exactly 16 deep (MAX_DEPTH) must verify, got {got}"
    )
    longest = _of_length(secret, 8192)
    got = error_name(lambda: ours.decode(longest, key, algorithms=["HS256"], now=0))
    partial_credit.check(
        got == "no error", f"a token of exactly 8192 characters (MAX_TOKEN_LENGTH) must verify, got {got}"
    )
    got = error_name(lambda: ours.decode(_of_length(secret, 8193), key, algorithms=["HS256"], now=0))
    partial_credit.check(
        got == "MalformedToken", f"a token of 8193 characters: expected MalformedToken, got {got}"
    )


def _of_length(secret: bytes, length: int) -> str:
    """An HS256 token of exactly `length` characters (a `sub` claim of the right size)."""
    for size in range(max(0, (length - 100) * 3 // 4), length):
        token = hs256(secret, {"alg": "HS256"}, {"sub": "x" * size})
        if len(token) == length:
            return token
    raise AssertionError(f"no token of {length} characters")
