"""Part A: interoperability both ways with two independent implementations, PyJWT and joserfc, and the
examples of RFC 7515 appendix A."""

from __future__ import annotations

import jwt as pyjwt
import pytest
from auth import jws
from auth import jwt as ours
from auth.errors import ExpiredToken
from auth.keys import ECKey, HMACKey, KeySet, RSAKey
from auth_grading import error_name
from joserfc import jwt as jose_jwt
from joserfc.jwk import ECKey as JoseEC
from joserfc.jwk import OctKey
from joserfc.jwk import RSAKey as JoseRSA

pytestmark = [pytest.mark.part("A")]

CLAIMS = {
    "iss": "https://issuer.example",
    "sub": "alice",
    "aud": "api",
    "exp": 4_000_000_000,
    "n": [1, "é", None],
}
NOW = 1_800_000_000
ALGS = ("HS256", "RS256", "ES256")


def _ours(material, alg, kid=None):
    if alg == "HS256":
        return HMACKey(material.secret, kid=kid)
    if alg == "RS256":
        return RSAKey(material.rsa_private, kid=kid)
    return ECKey(material.ec_private, kid=kid)


def _ours_public(material, alg):
    if alg == "HS256":
        return HMACKey(material.secret)
    if alg == "RS256":
        return RSAKey.from_pem(material.rsa_public_pem)
    return ECKey.from_pem(material.ec_public_pem)


def _pyjwt_keys(material, alg):
    return {
        "HS256": (material.secret, material.secret),
        "RS256": (material.rsa_private, material.rsa_private.public_key()),
        "ES256": (material.ec_private, material.ec_private.public_key()),
    }[alg]


def _jose_key(material, alg):
    if alg == "HS256":
        return OctKey.import_key(material.secret)
    if alg == "RS256":
        return JoseRSA.import_key(material.rsa_private)
    return JoseEC.import_key(material.ec_private)


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Sign the ASCII bytes of BASE64URL(header) + '.' + BASE64URL(payload), nothing else.",
    "ES256 signatures are the 64 bytes R || S (RFC 7518 section 3.4), not the DER that cryptography returns.",
)
def test_our_tokens_verify_with_pyjwt(material, partial_credit):
    """Tokens made by encode() for HS256, RS256 and ES256 verify with PyJWT, claims, kid and typ JWT intact."""
    partial_credit.total = len(ALGS)
    for alg in ALGS:
        token = ours.encode(CLAIMS, _ours(material, alg, kid=f"k-{alg}"), alg)
        _, verify_key = _pyjwt_keys(material, alg)
        try:
            claims = pyjwt.decode(str(token), verify_key, algorithms=[alg], audience="api")
            header = pyjwt.get_unverified_header(str(token))
            ok = (claims == CLAIMS and header.get("alg") == alg and header.get("kid") == f"k-{alg}"
                  and header.get("typ") == "JWT")  # fmt: skip
            detail = f"claims {claims}, header {header}"
        except Exception as exc:
            ok, detail = False, f"PyJWT refused it: {type(exc).__name__}: {exc}"
        partial_credit.check(ok, f"{alg}: {detail}")


@pytest.mark.points(3)
@pytest.mark.hints("Check your header JSON: joserfc reads the same three segments PyJWT does.")
def test_our_tokens_verify_with_joserfc(material, partial_credit):
    """Tokens made by encode() for HS256, RS256 and ES256 verify with joserfc."""
    partial_credit.total = len(ALGS)
    for alg in ALGS:
        token = ours.encode(CLAIMS, _ours(material, alg), alg)
        try:
            decoded = jose_jwt.decode(str(token), _jose_key(material, alg), algorithms=[alg])
            ok, detail = decoded.claims == CLAIMS and decoded.header["alg"] == alg, f"claims {decoded.claims}"
        except Exception as exc:
            ok, detail = False, f"joserfc refused it: {type(exc).__name__}: {exc}"
        partial_credit.check(ok, f"{alg}: {detail}")


@pytest.mark.points(3)
@pytest.mark.hints(
    "Verify over the segments exactly as they arrived; never re-encode the header or payload yourself.",
    "An RS256 or ES256 public key (from_pem of the public PEM) must verify what the private key signed.",
)
def test_pyjwt_tokens_verify_here(material, partial_credit):
    """Tokens signed by PyJWT for HS256, RS256 and ES256 verify with decode() and a public key."""
    partial_credit.total = len(ALGS)
    for alg in ALGS:
        sign_key, _ = _pyjwt_keys(material, alg)
        token = pyjwt.encode(CLAIMS, sign_key, algorithm=alg)
        got = None
        try:
            got = ours.decode(token, _ours_public(material, alg), algorithms=[alg], audience="api", now=NOW)
        except Exception as exc:
            got = f"{type(exc).__name__}: {exc}"
        partial_credit.check(got == CLAIMS, f"{alg}: decode gave {got!r}")


@pytest.mark.points(3)
@pytest.mark.hints(
    "joserfc writes the header members in another order than PyJWT: only the bytes signed matter."
)
def test_joserfc_tokens_verify_here(material, partial_credit):
    """Tokens signed by joserfc (with kid) verify with decode() through a KeySet."""
    partial_credit.total = len(ALGS)
    keyset = KeySet([_ours(material, alg, kid=f"kid-{alg}") for alg in ALGS])
    for alg in ALGS:
        token = jose_jwt.encode({"alg": alg, "kid": f"kid-{alg}"}, CLAIMS, _jose_key(material, alg))
        try:
            got = ours.decode(token, keyset, algorithms=list(ALGS), audience="api", now=NOW)
        except Exception as exc:
            got = f"{type(exc).__name__}: {exc}"
        partial_credit.check(got == CLAIMS, f"{alg}: decode gave {got!r}")


# RFC 7515 appendix A.1 (HS256) and A.3 (ES256): the key, the token, the payload.
A1_KEY = "AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"
A1_TOKEN = (
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
)
A_PAYLOAD = b'{"iss":"joe",\r\n "exp":1300819380,\r\n "http://example.com/is_root":true}'
A3_X = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"
A3_Y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"
A3_TOKEN = (
    "eyJhbGciOiJFUzI1NiJ9"
    ".eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q"
)


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "The key of appendix A.1 is itself base64url: decode it to get the 64 secret bytes.",
    "The example header has a CR LF and a space inside: verify the segment you received, not a re-encoding.",
    "The A.3 signature is the 64 bytes R || S: the first 32 bytes are R.",
)
def test_rfc7515_appendix_examples(partial_credit):
    """RFC 7515 A.1 (HS256: verifies, MAC reproduced, expired at 1300819380) and A.3 (ES256 verifies)."""
    import base64

    from cryptography.hazmat.primitives.asymmetric import ec

    key = HMACKey(base64.urlsafe_b64decode(A1_KEY + "=="))
    header, payload = jws.verify(A1_TOKEN, key, algorithms=["HS256"])
    partial_credit.check(dict(header) == {"typ": "JWT", "alg": "HS256"}, f"header {header!r}")
    partial_credit.check(bytes(payload) == A_PAYLOAD, f"payload {payload!r}")
    signing_input = A1_TOKEN.rsplit(".", 1)[0].encode()
    mac = base64.urlsafe_b64decode(A1_TOKEN.rsplit(".", 1)[1] + "=")
    partial_credit.check(
        bytes(key.sign(signing_input)) == mac, "HMACKey.sign does not reproduce the example MAC"
    )
    claims = ours.decode(A1_TOKEN, key, algorithms=["HS256"], now=1300819379)
    partial_credit.check(claims == {"iss": "joe", "exp": 1300819380, "http://example.com/is_root": True},
                         f"claims {claims!r}")  # fmt: skip
    got = error_name(lambda: ours.decode(A1_TOKEN, key, algorithms=["HS256"], now=1300819380))
    partial_credit.check(got == ExpiredToken.__name__, f"at exp itself: expected ExpiredToken, got {got}")
    numbers = ec.EllipticCurvePublicNumbers(
        int.from_bytes(base64.urlsafe_b64decode(A3_X + "="), "big"),
        int.from_bytes(base64.urlsafe_b64decode(A3_Y + "="), "big"),
        ec.SECP256R1(),
    )
    a3_key = ECKey(numbers.public_key())
    got = error_name(lambda: jws.verify(A3_TOKEN, a3_key, algorithms=["ES256"]))
    partial_credit.check(got == "no error", f"A.3 (ES256) does not verify: {got}")
    if got == "no error":
        _, a3_payload = jws.verify(A3_TOKEN, a3_key, algorithms=["ES256"])
        partial_credit.check(bytes(a3_payload) == A_PAYLOAD, f"A.3 payload {a3_payload!r}")
    else:
        partial_credit.check(False, "A.3 payload not reached")
