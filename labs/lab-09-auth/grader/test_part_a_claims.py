"""Part A: claim validation (RFC 7519 section 4.1): time windows at their exact boundaries, types,
audience, issuer, required claims, and key sets."""

from __future__ import annotations

import pytest
from auth import jws
from auth import jwt as ours
from auth.keys import ECKey, HMACKey, KeySet, RSAKey
from auth_grading import error_name, hs256

pytestmark = [pytest.mark.part("A")]


def _check(partial_credit, material, cases, **options):
    """Each case: a token of `claims` MACed with the session secret, decoded with `kwargs`; want an error name."""
    key = HMACKey(material.secret)
    for label, claims, kwargs, want in cases:
        token = hs256(material.secret, {"alg": "HS256"}, claims)
        merged = {**options, **kwargs}

        def run(token=token, merged=merged, claims=claims):
            got = ours.decode(token, key, algorithms=["HS256"], **merged)
            assert got == claims, f"decode returned {got!r}, not the claims {claims!r}"

        got = error_name(run)
        partial_credit.check(got == want, f"{label}: expected {want}, got {got}")


@pytest.mark.points(4)
@pytest.mark.visibility("visible")
@pytest.mark.critical("an expired token is never accepted")
@pytest.mark.hints(
    "RFC 7519 4.1.4: the current time MUST be before exp. At exp itself the token has expired.",
    "Leeway extends the window: the token is still good while now < exp + leeway.",
)
def test_expiry_at_the_exact_boundary(material, partial_credit):
    """exp: accepted just before, ExpiredToken at exp itself and after; leeway moves the boundary exactly."""
    key = HMACKey(material.secret)
    claims = {"sub": "a", "exp": 1000}
    cases = [
        ("now = exp - 1", claims, {"now": 999}, "no error"),
        ("now = exp - 0.001", claims, {"now": 999.999}, "no error"),
        ("now = exp", claims, {"now": 1000}, "ExpiredToken"),
        ("now = exp + 1", claims, {"now": 1001}, "ExpiredToken"),
        ("leeway 5, now = exp + 4.5", claims, {"now": 1004.5, "leeway": 5}, "no error"),
        ("leeway 5, now = exp + 5", claims, {"now": 1005, "leeway": 5}, "ExpiredToken"),
        ("float exp 1000.5, now 1000.25", {"sub": "a", "exp": 1000.5}, {"now": 1000.25}, "no error"),
        ("float exp 1000.5, now 1000.5", {"sub": "a", "exp": 1000.5}, {"now": 1000.5}, "ExpiredToken"),
        ("exp 0 (1970)", {"sub": "a", "exp": 0}, {"now": 1}, "ExpiredToken"),
    ]
    partial_credit.total = len(cases) + 1
    _check(partial_credit, material, cases)
    got = error_name(
        lambda: ours.decode(hs256(material.secret, {"alg": "HS256"}, {"exp": 1}), key, algorithms=["HS256"])
    )
    partial_credit.check(
        got == "ExpiredToken", f"now defaults to the current time: expected ExpiredToken, got {got}"
    )


@pytest.mark.points(2)
@pytest.mark.hints(
    "RFC 7519 4.1.5: the current time MUST be after or equal to nbf. At nbf itself the token is valid.",
    "A token issued in the future (iat > now + leeway) is not valid yet either: ImmatureToken.",
)
def test_not_before_and_issued_at_boundaries(material, partial_credit):
    """nbf and iat: ImmatureToken before their time (with leeway), accepted from their exact second on."""
    key = HMACKey(material.secret)
    cases = [
        ("nbf, now = nbf - 1", {"nbf": 1000}, {"now": 999}, "ImmatureToken"),
        ("nbf, now = nbf", {"nbf": 1000}, {"now": 1000}, "no error"),
        ("nbf, leeway 2, now = nbf - 2", {"nbf": 1000}, {"now": 998, "leeway": 2}, "no error"),
        ("nbf, leeway 2, now = nbf - 2.5", {"nbf": 1000}, {"now": 997.5, "leeway": 2}, "ImmatureToken"),
        ("iat, now = iat", {"iat": 1000}, {"now": 1000}, "no error"),
        ("iat, now = iat - 1", {"iat": 1000}, {"now": 999}, "ImmatureToken"),
        ("iat, leeway 1, now = iat - 1", {"iat": 1000}, {"now": 999, "leeway": 1}, "no error"),
        ("nbf and exp window", {"nbf": 1000, "exp": 1010}, {"now": 1005}, "no error"),
    ]
    partial_credit.total = len(cases) + 1
    _check(partial_credit, material, cases)
    got = error_name(
        lambda: ours.decode(
            hs256(material.secret, {"alg": "HS256"}, {}), key, algorithms=["HS256"], leeway=-1
        )
    )
    partial_credit.check(got == "ValueError", f"negative leeway: expected ValueError, got {got}")


@pytest.mark.points(2)
@pytest.mark.hints(
    "An exp that is a string is not 'no expiry': it is a malformed token.",
    "In Python, True is an int: check the type exactly (type(x) in (int, float)).",
)
def test_claim_type_confusion(material, partial_credit):
    """Registered claims of the wrong JSON type (string exp, boolean nbf, numeric iss, ...) raise MalformedToken
    in decode and TypeError in encode."""
    cases = [
        ("exp as string", {"exp": "4000000000"}, {}, "MalformedToken"),
        ("exp true", {"exp": True}, {}, "MalformedToken"),
        ("exp null", {"exp": None}, {}, "MalformedToken"),
        ("nbf list", {"nbf": [1]}, {}, "MalformedToken"),
        ("iat object", {"iat": {"t": 1}}, {}, "MalformedToken"),
        ("iss number", {"iss": 7}, {}, "MalformedToken"),
        ("sub number", {"sub": 7}, {}, "MalformedToken"),
        ("jti list", {"jti": ["a"]}, {}, "MalformedToken"),
        ("aud number", {"aud": 1}, {"audience": "api"}, "MalformedToken"),
        ("aud list with a number", {"aud": ["api", 1]}, {"audience": "api"}, "MalformedToken"),
        ("private claims of any type", {"role": ["x"], "n": 1.5, "f": False}, {}, "no error"),
    ]
    wrong = {"exp as string": {"exp": "4000000000"}, "nbf true": {"nbf": True}, "iat null": {"iat": None},
             "sub number": {"sub": 7}, "iss list": {"iss": ["a"]}, "jti number": {"jti": 1}}  # fmt: skip
    partial_credit.total = len(cases) + len(wrong)
    _check(partial_credit, material, cases, now=0)
    for label, claims in wrong.items():
        got = error_name(lambda c=claims: ours.encode(c, HMACKey(material.secret), "HS256"))
        partial_credit.check(got == "TypeError", f"encode with {label}: expected TypeError, got {got}")


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "aud may be a string or a list: the token is for you if any of its audiences is yours.",
    "RFC 7519 4.1.3: a token that names an audience must be refused by a principal that is not in it — "
    "including a caller that expects no audience at all.",
    "Checking an issuer or audience that the token does not carry is MissingClaim, not a pass.",
)
def test_audience_and_issuer(material, partial_credit):
    """aud (string or list) must include the expected audience; iss must match; absent ones are MissingClaim."""
    cases = [
        ("aud string, matches", {"aud": "api"}, {"audience": "api"}, "no error"),
        ("aud list, contains", {"aud": ["web", "api"]}, {"audience": "api"}, "no error"),
        ("audience list, overlaps", {"aud": "api"}, {"audience": ["x", "api"]}, "no error"),
        ("aud list, lacks", {"aud": ["web", "app"]}, {"audience": "api"}, "InvalidAudience"),
        ("aud prefix only", {"aud": "api-admin"}, {"audience": "api"}, "InvalidAudience"),
        ("aud empty list", {"aud": []}, {"audience": "api"}, "InvalidAudience"),
        ("aud but none expected", {"aud": "api"}, {}, "InvalidAudience"),
        ("audience expected, no aud", {"sub": "a"}, {"audience": "api"}, "MissingClaim"),
        ("iss matches", {"iss": "https://idp"}, {"issuer": "https://idp"}, "no error"),
        ("iss differs", {"iss": "https://evil"}, {"issuer": "https://idp"}, "InvalidIssuer"),
        (
            "iss has the issuer as a prefix",
            {"iss": "https://idp.evil.example"},
            {"issuer": "https://idp"},
            "InvalidIssuer",
        ),
        (
            "issuer list, one matches",
            {"iss": "https://idp"},
            {"issuer": ["https://old", "https://idp"]},
            "no error",
        ),
        (
            "issuer list, none matches",
            {"iss": "https://evil"},
            {"issuer": ["https://old", "https://idp"]},
            "InvalidIssuer",
        ),
        ("iss expected, absent", {"sub": "a"}, {"issuer": "https://idp"}, "MissingClaim"),
    ]
    partial_credit.total = len(cases)
    _check(partial_credit, material, cases, now=0)


@pytest.mark.points(1)
@pytest.mark.hints("Every name in `required` must be present, whatever its value.")
def test_required_claims(material, partial_credit):
    """Claims named in `required` must be present (MissingClaim otherwise)."""
    cases = [
        ("all present", {"sub": "a", "jti": "1", "exp": 10}, {"required": ("sub", "jti", "exp")}, "no error"),
        ("jti missing", {"sub": "a"}, {"required": ("sub", "jti")}, "MissingClaim"),
        ("exp missing", {"sub": "a"}, {"required": ["exp"]}, "MissingClaim"),
        ("present but null", {"x": None}, {"required": ("x",)}, "no error"),
    ]
    partial_credit.total = len(cases)
    _check(partial_credit, material, cases, now=0)


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "encode puts the key's kid in the header; decode through a KeySet finds the key by that kid.",
    "With no kid, a KeySet can only choose when it holds exactly one key.",
)
def test_key_set_finds_each_key_by_kid(material, partial_credit):
    """A KeySet of an HS256, an RS256 and an ES256 key verifies tokens of each, found by kid; keys, key sets and
    sign refuse bad arguments."""
    signing = [
        HMACKey(material.secret, kid="h"),
        RSAKey(material.rsa_private, kid="r"),
        ECKey(material.ec_private, kid="e"),
    ]
    verifying = KeySet([HMACKey(material.secret, kid="h"), RSAKey.from_pem(material.rsa_public_pem, kid="r"),
                        ECKey.from_pem(material.ec_public_pem, kid="e")])  # fmt: skip
    partial_credit.total = len(signing) + 4 + 10
    for key in signing[1:]:
        public = key.public()
        signature = key.sign(b"signing input")
        partial_credit.check(
            type(public) is type(key) and public.kid == key.kid
            and public.verify(b"signing input", signature) is True
            and error_name(lambda p=public: p.sign(b"x")) == "TypeError"
            and key.verify(b"signing input", signature[:-1]) is False
            and key.verify(b"other input", signature) is False,
            f"{type(key).__name__}: public() must keep the kid and verify but not sign, and verify() must return "
            "the bool False (not another falsy value) for a bad signature",
        )  # fmt: skip
    for key in signing:
        token = ours.encode({"sub": key.kid, "exp": 10}, key, key.alg, headers={"cty": "x"})
        try:
            got = ours.decode(token, verifying, algorithms=["HS256", "RS256", "ES256"], now=5)
        except Exception as exc:
            got = f"{type(exc).__name__}: {exc}"
        partial_credit.check(got == {"sub": key.kid, "exp": 10}, f"kid {key.kid}: decode gave {got!r}")
    single = KeySet([HMACKey(material.secret)])
    token = ours.encode({"sub": "one"}, HMACKey(material.secret), "HS256")
    got = error_name(lambda: ours.decode(token, single, algorithms=["HS256"], now=0))
    partial_credit.check(got == "no error", f"a one-key set and a token without kid: got {got}")
    got = error_name(lambda: ours.encode({"sub": "x"}, HMACKey(material.secret), "RS256"))
    partial_credit.check(
        got == "ValueError", f"encode with an alg that is not the key's: expected ValueError, got {got}"
    )
    from cryptography.hazmat.primitives.asymmetric import ec, rsa

    refused = {
        "HMACKey of 31 bytes": (lambda: HMACKey(b"s" * 31), "ValueError"),
        "HMACKey of a str": (lambda: HMACKey("s" * 40), "TypeError"),  # type: ignore[arg-type]
        "HMACKey with an empty kid": (lambda: HMACKey(material.secret, kid=""), "ValueError"),
        "RSAKey with an empty kid": (lambda: RSAKey(material.rsa_private, kid=""), "ValueError"),
        "RSAKey of 1024 bits": (lambda: RSAKey(rsa.generate_private_key(public_exponent=65537, key_size=1024)),
                                "ValueError"),
        "ECKey on P-384": (lambda: ECKey(ec.generate_private_key(ec.SECP384R1())), "ValueError"),
        "KeySet with a kid twice": (lambda: KeySet([HMACKey(material.secret, kid="d"), HMACKey(b"d" * 32, kid="d")]),
                                    "ValueError"),
        "sign with headers naming another alg": (lambda: jws.sign(b"{}", HMACKey(material.secret), {"alg": "RS256"}),
                                                 "ValueError"),
        "sign with headers naming another kid": (
            lambda: jws.sign(b"{}", HMACKey(material.secret), {"kid": "someone-else"}), "ValueError"),
    }  # fmt: skip
    refused["HMACKey of exactly 32 bytes"] = (lambda: HMACKey(b"s" * 32), "no error")
    for label, (call, want) in refused.items():
        got = error_name(call)
        partial_credit.check(got == want, f"{label}: expected {want}, got {got}")
