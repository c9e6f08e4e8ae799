"""Part C: the service, through a real uvicorn server on loopback and httpx."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import httpx
import jwt as pyjwt
import pytest
from auth.app import create_app
from auth.keys import HMACKey, RSAKey
from auth.settings import Settings
from auth_grading import Capture, Clock, b64, forge, hs256, serve

pytestmark = [pytest.mark.part("C")]

ISSUER, AUDIENCE = "https://auth.grader.example", "grader-api"
PASSWORD = "Tr0ub4dor&3-grader"


@dataclass
class Service:
    http: httpx.Client
    clock: Clock
    logs: Capture
    settings: Settings

    def register(self, username: str, password: str = PASSWORD) -> httpx.Response:
        return self.http.post("/register", json={"username": username, "password": password})

    def login(self, username: str, password: str = PASSWORD) -> httpx.Response:
        return self.http.post(
            "/token", data={"grant_type": "password", "username": username, "password": password}
        )

    def refresh(self, token: str) -> httpx.Response:
        return self.http.post("/token", data={"grant_type": "refresh_token", "refresh_token": token})

    def me(self, token: str | None, scheme: str = "Bearer") -> httpx.Response:
        headers = {} if token is None else {"Authorization": f"{scheme} {token}"}
        return self.http.get("/me", headers=headers)


@pytest.fixture
def service(material):
    clock = Clock()
    settings = Settings(
        key=RSAKey(material.rsa_private, kid="grader"), issuer=ISSUER, audience=AUDIENCE, access_ttl=300,
        refresh_ttl=3600, token_capacity=3, token_refill_per_second=Fraction(1, 20), clock_ns=clock,
        logger_name="auth.grader",
    )  # fmt: skip
    capture = Capture()
    root = logging.getLogger()
    previous = root.level
    root.addHandler(capture)
    root.setLevel(logging.DEBUG)
    try:
        with serve(create_app(settings)) as url, httpx.Client(base_url=url, timeout=30) as http:
            yield Service(http, clock, capture, settings)
    finally:
        root.removeHandler(capture)
        root.setLevel(previous)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _invalid_grant(response: httpx.Response) -> bool:
    body = _json(response)
    return response.status_code == 400 and isinstance(body, dict) and body.get("error") == "invalid_grant"


@pytest.mark.points(4)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "POST /register takes JSON; POST /token takes a form (grant_type=password, username, password).",
    "The access token is a JWT signed with settings.key carrying iss, aud, sub, iat, exp and jti.",
)
def test_register_login_and_me(service, material, partial_credit):
    """register → 201, password grant → bearer tokens (a JWT PyJWT verifies), GET /me → the user."""
    created = service.register("alice")
    partial_credit.check(created.status_code == 201 and _json(created) == {"username": "alice"},
                         f"POST /register: {created.status_code} {created.text[:200]}")  # fmt: skip
    service.clock.advance(Fraction(3, 5))  # iat is the clock's whole seconds, not the nearest second
    issued = service.login("alice")
    body = _json(issued) or {}
    partial_credit.check(issued.status_code == 200 and body.get("token_type") == "bearer"
                         and body.get("expires_in") == 300 and isinstance(body.get("refresh_token"), str),
                         f"POST /token: {issued.status_code} {sorted(body)}")  # fmt: skip
    partial_credit.check(
        issued.headers.get("cache-control") == "no-store", "token responses need Cache-Control: no-store"
    )
    limits = {name: issued.headers.get(name) for name in ("ratelimit-limit", "ratelimit-remaining")}
    partial_credit.check(limits == {"ratelimit-limit": "3", "ratelimit-remaining": "2"},
                         f"a successful login's RateLimit headers (capacity 3, one login): {limits}")  # fmt: skip
    try:
        claims = pyjwt.decode(body.get("access_token", ""), material.rsa_private.public_key(), algorithms=["RS256"],
                              audience=AUDIENCE, issuer=ISSUER, options={"verify_exp": False})  # fmt: skip
        now = service.clock.now // 10**9
        ok = (
            claims["sub"] == "alice"
            and type(claims["iat"]) is int
            and claims["iat"] == now
            and claims["exp"] == now + 300
            and claims.get("jti")
        )
        detail = str(claims)
    except Exception as exc:
        ok, detail = False, f"{type(exc).__name__}: {exc}"
    partial_credit.check(bool(ok), f"access token claims: {detail}")
    me = service.me(body.get("access_token"))
    partial_credit.check(
        me.status_code == 200 and _json(me) == {"username": "alice"},
        f"GET /me: {me.status_code} {me.text[:200]}",
    )


@pytest.mark.points(3)
@pytest.mark.hints(
    "Let a Pydantic model validate the body; FastAPI answers 422 by itself.",
    "FastAPI's default 422 body echoes the submitted values ('input'): with a password among them. "
    "Install your own RequestValidationError handler.",
)
def test_register_validation(service, partial_credit):
    """Bad registrations are 422 (without echoing the password), a taken username 409."""
    partial_credit.check(service.register("bob").status_code == 201, "registering bob failed")
    again = service.register("bob", "another-long-password")
    partial_credit.check(again.status_code == 409, f"a taken username: {again.status_code}, want 409")
    cases = {
        "short password": {"username": "carol", "password": "Xq7#sh"},
        "long password": {"username": "carol", "password": "Zz9!" * 100},
        "username with a space": {"username": "carol smith", "password": "Secret-Value-77"},
        "username too short": {"username": "cz", "password": "Secret-Value-77"},
        "username too long": {"username": "c" * 33, "password": "Secret-Value-77"},
        "username with capitals": {"username": "Carol", "password": "Secret-Value-77"},
        "username with a non-ASCII letter": {"username": "carolé", "password": "Secret-Value-77"},
        "missing password": {"username": "carol"},
        "password a number": {"username": "carol", "password": 123456789},
        "extra field": {"username": "carol", "password": "Secret-Value-77", "admin": True},
    }
    for label, body in cases.items():
        response = service.http.post("/register", json=body)
        leaked = [
            str(v) for v in body.values() if len(str(v)) > 5 and str(v) in response.text and str(v) != "carol"
        ]
        partial_credit.check(response.status_code == 422 and not leaked,
                             f"{label}: {response.status_code} (want 422){', echoes ' + str(leaked) if leaked else ''}")  # fmt: skip
    broken = service.http.post(
        "/register", content=b"{not json", headers={"content-type": "application/json"}
    )
    partial_credit.check(
        broken.status_code == 422, f"a body that is not JSON: {broken.status_code}, want 422"
    )


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "RFC 6749 section 5.2: a wrong password is 400 with error 'invalid_grant' — the same for an unknown user.",
    "An unknown grant_type is 'unsupported_grant_type'.",
)
def test_login_failures(service, partial_credit):
    """Wrong password and unknown user get the same 400 invalid_grant; unknown or missing grant types and missing
    fields are refused."""
    service.register("dave")
    wrong, unknown = service.login("dave", "not-the-password"), service.login("nobody", "not-the-password")
    partial_credit.check(wrong.status_code == 400 and (_json(wrong) or {}).get("error") == "invalid_grant",
                         f"wrong password: {wrong.status_code} {wrong.text[:200]}")  # fmt: skip
    partial_credit.check(unknown.status_code == wrong.status_code and _json(unknown) == _json(wrong),
                         f"unknown user answered differently from a wrong password: {unknown.text[:200]}")  # fmt: skip
    odd = service.http.post("/token", data={"grant_type": "client_credentials"})
    partial_credit.check(odd.status_code == 400 and (_json(odd) or {}).get("error") == "unsupported_grant_type",
                         f"grant_type client_credentials: {odd.status_code} {odd.text[:200]}")  # fmt: skip
    missing = service.http.post("/token", data={"username": "dave"})
    partial_credit.check(missing.status_code == 422, f"no grant_type: {missing.status_code}, want 422")
    no_password = service.http.post("/token", data={"grant_type": "password", "username": "dave"})
    partial_credit.check(no_password.status_code == 400 and (_json(no_password) or {}).get("error") == "invalid_request",
                         f"password grant without a password: {no_password.status_code} {no_password.text[:200]}, "
                         "want 400 invalid_request")  # fmt: skip


@pytest.mark.points(3)
@pytest.mark.critical("the service never accepts an expired, unsigned or foreign token")
@pytest.mark.hints(
    "GET /me: 401 with a WWW-Authenticate: Bearer header for every token that does not decode.",
    "Decode with algorithms=[the key's own alg], the audience and issuer of the settings, and the service's clock.",
)
def test_me_refuses_bad_tokens(service, material, partial_credit):
    """/me answers 401 for no token, garbage, alg none, a foreign key, HS256 confusion, wrong audience, expiry."""
    service.register("erin")
    token = (_json(service.login("erin")) or {}).get("access_token", "")
    partial_credit.check(service.me(token).status_code == 200, "a fresh token was refused")
    head, body, _ = [*token.split("."), "", "", ""][:3]
    now = service.clock.now // 10**9
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "erin", "iat": now, "exp": now + 300, "jti": "x"}
    other = RSAKey(__import__("cryptography.hazmat.primitives.asymmetric.rsa", fromlist=["rsa"]).generate_private_key(
        public_exponent=65537, key_size=2048), kid="grader")  # fmt: skip
    from auth import jwt as ours

    bad = {
        "no header": None,
        "garbage": "not.a.token",
        "alg none": forge({"alg": "none"}, claims),
        "HS256 with the public PEM": hs256(
            material.rsa_public_pem, {"alg": "HS256", "kid": "grader"}, claims
        ),
        "foreign RSA key": ours.encode(claims, other, "RS256"),
        "wrong audience": ours.encode(
            {**claims, "aud": "other-api"}, RSAKey(material.rsa_private, kid="grader"), "RS256"
        ),
        "wrong issuer": ours.encode(
            {**claims, "iss": "https://evil"}, RSAKey(material.rsa_private, kid="grader"), "RS256"
        ),
        "signature stripped": f"{head}.{body}.",
        "HMAC with a guessed secret": ours.encode(claims, HMACKey(b"secret" * 6), "HS256"),
    }
    for label, value in bad.items():
        response = service.me(value)
        partial_credit.check(response.status_code == 401 and "bearer" in response.headers.get("www-authenticate", "").lower(),
                             f"{label}: {response.status_code} {response.text[:120]}, want 401 with WWW-Authenticate")  # fmt: skip
    basic = service.me(token, scheme="Basic")
    partial_credit.check(basic.status_code == 401, f"Basic scheme with a token: {basic.status_code}")
    service.clock.advance(299)
    partial_credit.check(service.me(token).status_code == 200, "the token was refused 1 s before it expires")
    service.clock.advance(1)
    expired = service.me(token)
    partial_credit.check(
        expired.status_code == 401, f"at exp the token is expired: {expired.status_code}, want 401"
    )


@pytest.mark.points(4)
@pytest.mark.hints(
    "A refresh token works once: using it returns a new access token and a new refresh token.",
    "Keep for every refresh token the family (the login) it belongs to. A used token presented again means "
    "theft: revoke the whole family, the newest token included (RFC 9700 section 4.14.2).",
)
def test_refresh_rotation_and_reuse_detection(service, partial_credit):
    """Refresh rotates the token; reusing an old one revokes its whole family but no other login's."""
    service.register("frank")
    first = _json(service.login("frank")) or {}
    other_login = _json(service.login("frank")) or {}
    second = service.refresh(first.get("refresh_token", "x"))
    body = _json(second) or {}
    partial_credit.check(second.status_code == 200 and body.get("refresh_token") not in (None, first.get("refresh_token")),
                         f"refresh: {second.status_code} {second.text[:150]}")  # fmt: skip
    partial_credit.check(
        service.me(body.get("access_token")).status_code == 200, "the refreshed access token is refused"
    )
    reuse = service.refresh(first.get("refresh_token", "x"))
    partial_credit.check(reuse.status_code == 400 and (_json(reuse) or {}).get("error") == "invalid_grant",
                         f"reusing a used refresh token: {reuse.status_code} {reuse.text[:150]}")  # fmt: skip
    newest = service.refresh(body.get("refresh_token", "x"))
    partial_credit.check(
        _invalid_grant(newest),
        f"after reuse, the family's newest token: {newest.status_code} {newest.text[:150]}",
    )
    unrelated = service.refresh(other_login.get("refresh_token", "x"))
    partial_credit.check(
        unrelated.status_code == 200,
        f"another login's refresh token was revoked too: {unrelated.status_code}",
    )
    fake = service.refresh("made-up-token")
    partial_credit.check(
        _invalid_grant(fake), f"an unknown refresh token: {fake.status_code} {fake.text[:150]}"
    )
    third = _json(service.login("frank")) or {}
    service.clock.advance(3600)  # it expires at issue + refresh_ttl, that very instant
    late = service.refresh(third.get("refresh_token", "x"))
    partial_credit.check(
        _invalid_grant(late), f"a refresh token past refresh_ttl: {late.status_code} {late.text[:150]}"
    )


@pytest.mark.points(3)
@pytest.mark.hints(
    "Take a token from the bucket of 'token:<username>' before checking the password: failures count too.",
    "429 with Retry-After (whole seconds, rounded up) and RateLimit-Limit / -Remaining / -Reset headers.",
)
def test_rate_limit_on_token_endpoint(service, partial_credit):
    """The 4th login attempt per username (known or not) within the window is 429 with Retry-After rounded up;
    others are unaffected."""
    service.register("gina")
    codes = [service.login("gina", "wrong-password").status_code for _ in range(3)]
    partial_credit.check(codes == [400, 400, 400], f"three wrong attempts: {codes}")
    service.clock.advance(Fraction(7, 10))  # the retry is then 19.3 s away: rounded up, 20
    limited = service.login("gina")
    headers = limited.headers
    refusal = _json(limited)
    partial_credit.check(limited.status_code == 429 and isinstance(refusal, dict) and refusal.get("error") == "rate_limited",
                         f"4th attempt: {limited.status_code} {limited.text[:150]}, want 429 with error rate_limited")  # fmt: skip
    partial_credit.check(headers.get("retry-after") == "20" and headers.get("ratelimit-limit") == "3"
                         and headers.get("ratelimit-remaining") == "0" and headers.get("ratelimit-reset") == "20",
                         f"429 headers: { {k: v for k, v in headers.items() if 'rate' in k or 'retry' in k} }")  # fmt: skip
    service.register("hank")
    partial_credit.check(service.login("hank").status_code == 200, "another username was limited too")
    unknown = [service.login("nobody_here", "guess").status_code for _ in range(4)]
    partial_credit.check(unknown == [400, 400, 400, 429],
                         f"four attempts on an unknown username: {unknown}, want [400, 400, 400, 429]")  # fmt: skip
    service.clock.advance(20)
    partial_credit.check(
        service.login("gina").status_code == 200, "after Retry-After seconds the login still fails"
    )


@pytest.mark.points(3)
@pytest.mark.hints(
    "Log events with the username, never the password, a hash, or a token.",
    "Responses carry the tokens that are issued, and nothing else secret: no hash, no key.",
)
def test_no_secrets_in_responses_or_logs(service, material, partial_credit):
    """Passwords, hashes and tokens never appear in a log line; passwords and hashes never in a response."""
    responses = [
        service.register("ivan", "Ivans-Secret-Passphrase"),
        service.login("ivan", "Ivans-Secret-Passphrase"),
    ]
    tokens = _json(responses[-1]) or {}
    responses.append(service.login("ivan", "Wrong-Secret-Guess"))
    responses.append(service.refresh(tokens.get("refresh_token", "x")))
    responses.append(service.refresh(tokens.get("refresh_token", "x")))  # reuse: logged as an event
    responses.append(service.me(tokens.get("access_token")))
    responses.append(
        service.http.post("/register", json={"username": "ivan two", "password": "Leaky-Password-99"})
    )
    logs = "\n".join(service.logs.lines)
    secrets = ["Ivans-Secret-Passphrase", "Wrong-Secret-Guess", "Leaky-Password-99", "$argon2",
               *(v for k, v in tokens.items() if k in ("access_token", "refresh_token") and v)]  # fmt: skip
    partial_credit.check(
        bool(service.logs.lines), "the service logged nothing at all (log events to settings.logger_name)"
    )
    for secret in secrets:
        partial_credit.check(secret not in logs, f"a log line contains a secret ({secret[:12]}…)")
    text = "\n".join(response.text for response in responses)
    for secret in secrets[:4]:
        partial_credit.check(secret not in text, f"a response contains a secret ({secret[:12]}…)")
    partial_credit.check(b64(material.secret) not in text, "a response contains key material")
