"""The service: users register, log in with the OAuth2 password grant, call `/me` with a bearer access
token, and renew it with rotating refresh tokens (RFC 6749 sections 4.3, 5 and 6; RFC 6750; RFC 9700
section 4.14 for rotation and reuse detection). `POST /token` is rate limited per username.

State lives in memory, behind one lock (FastAPI runs these handlers on a thread pool). Refresh tokens
are random strings the service stores only as SHA-256 digests; each belongs to a *family* that starts
at a login. Using a refresh token marks it used and returns a new one of the same family; using a used
one again means it was stolen (or the legitimate client's copy was): the whole family is revoked.
"""

from __future__ import annotations

import hashlib
import logging
import math
import re
import secrets
import threading
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import FastAPI, Form, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from auth import jwt
from auth.errors import TokenError
from auth.passwords import hash_password, verify_password
from auth.ratelimit import TokenBucket
from auth.settings import Settings

USERNAME_PATTERN = r"^[a-z0-9_]{3,32}$"
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_BEARER = re.compile(r"Bearer +([A-Za-z0-9_.\-]+)", re.IGNORECASE)


class _Credentials(BaseModel):
    """The body of `POST /register`."""

    model_config = ConfigDict(extra="forbid")
    username: Annotated[str, Field(pattern=USERNAME_PATTERN)]
    password: Annotated[str, Field(min_length=8, max_length=128)]


@dataclass
class _Refresh:
    username: str
    family: str
    expires_ns: int
    used: bool = False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _oauth_error(
    status: int, error: str, description: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={**NO_STORE, **(headers or {})},
    )


def _unauthorized(description: str) -> JSONResponse:
    return JSONResponse(
        {"detail": description},
        status_code=401,
        headers={"WWW-Authenticate": f'Bearer error="invalid_token", error_description="{description}"'},
    )


def create_app(settings: Settings) -> FastAPI:
    """The FastAPI application of the README, configured by `settings`."""
    app = FastAPI(title="labs auth service", docs_url=None, redoc_url=None, openapi_url=None)
    log = logging.getLogger(settings.logger_name)
    limiter = settings.limiter or TokenBucket(
        settings.token_capacity, settings.token_refill_per_second, settings.clock_ns
    )
    lock = threading.Lock()
    users: dict[str, str] = {}
    refresh_tokens: dict[str, _Refresh] = {}
    revoked_families: set[str] = set()
    decoy_hash = hash_password(secrets.token_urlsafe(16))  # unknown users cost a hash too

    def now_s() -> float:
        return settings.clock_ns() / 1e9

    def issue(username: str, family: str) -> dict[str, Any]:
        issued = math.floor(now_s())
        claims = {
            "iss": settings.issuer,
            "aud": settings.audience,
            "sub": username,
            "iat": issued,
            "exp": issued + settings.access_ttl,
            "jti": secrets.token_hex(16),
        }
        access = jwt.encode(claims, settings.key, settings.key.alg)
        refresh = secrets.token_urlsafe(32)
        refresh_tokens[_digest(refresh)] = _Refresh(
            username, family, settings.clock_ns() + settings.refresh_ttl * 10**9
        )
        return {
            "access_token": access,
            "token_type": "bearer",
            "expires_in": settings.access_ttl,
            "refresh_token": refresh,
        }

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default answer echoes the submitted values (`input`): a password among them.
        errors = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
        return JSONResponse({"detail": errors}, status_code=422)

    @app.post("/register", status_code=201)
    def register(credentials: _Credentials) -> Any:
        hashed = hash_password(credentials.password)
        with lock:
            if credentials.username in users:
                return JSONResponse({"detail": "username already registered"}, status_code=409)
            users[credentials.username] = hashed
        log.info("registered user %s", credentials.username)
        return {"username": credentials.username}

    def password_grant(username: str | None, password: str | None) -> JSONResponse:
        if not username or not password:
            return _oauth_error(400, "invalid_request", "username and password are required")
        decision = limiter.acquire(f"token:{username}")
        limit_headers = {
            "RateLimit-Limit": str(limiter.capacity),
            "RateLimit-Remaining": str(decision.remaining),
        }
        if not decision.allowed:
            wait = str(max(1, math.ceil(decision.retry_after)))
            log.warning("rate limited token requests for %s", username)
            return _oauth_error(
                429, "rate_limited", "too many token requests, retry later",
                {**limit_headers, "Retry-After": wait, "RateLimit-Reset": wait},
            )  # fmt: skip
        with lock:
            stored = users.get(username)
        if not verify_password(stored or decoy_hash, password) or stored is None:
            log.info("failed login for %s", username)
            return _oauth_error(400, "invalid_grant", "wrong username or password", limit_headers)
        with lock:
            body = issue(username, secrets.token_hex(16))
        log.info("issued tokens to %s", username)
        return JSONResponse(body, headers={**NO_STORE, **limit_headers})

    def refresh_grant(token: str | None) -> JSONResponse:
        if not token:
            return _oauth_error(400, "invalid_request", "refresh_token is required")
        with lock:
            record = refresh_tokens.get(_digest(token))
            if record is None or record.family in revoked_families:
                return _oauth_error(400, "invalid_grant", "unknown or revoked refresh token")
            if record.used:
                revoked_families.add(record.family)
                log.warning("refresh token reused for %s: its family is revoked", record.username)
                return _oauth_error(
                    400, "invalid_grant", "refresh token already used; the session is revoked"
                )
            if settings.clock_ns() >= record.expires_ns:
                return _oauth_error(400, "invalid_grant", "refresh token expired")
            record.used = True
            body = issue(record.username, record.family)
        log.info("refreshed tokens of %s", record.username)
        return JSONResponse(body, headers=NO_STORE)

    @app.post("/token")
    def token(
        grant_type: Annotated[str, Form()],
        username: Annotated[str | None, Form()] = None,
        password: Annotated[str | None, Form()] = None,
        refresh_token: Annotated[str | None, Form()] = None,
    ) -> JSONResponse:
        if grant_type == "password":
            return password_grant(username, password)
        if grant_type == "refresh_token":
            return refresh_grant(refresh_token)
        return _oauth_error(400, "unsupported_grant_type", "grant_type is password or refresh_token")

    @app.get("/me")
    def me(request: Request) -> Any:
        match = _BEARER.fullmatch(request.headers.get("authorization", ""))
        if match is None:
            return JSONResponse({"detail": "a bearer token is required"}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})  # fmt: skip
        try:
            claims = jwt.decode(
                match.group(1), settings.key, algorithms=[settings.key.alg], audience=settings.audience,
                issuer=settings.issuer, now=now_s(), required=("sub", "exp", "iat"),
            )  # fmt: skip
        except TokenError as exc:
            return _unauthorized(str(exc))
        with lock:
            known = claims["sub"] in users
        if not known:
            return _unauthorized("the token's user does not exist")
        return {"username": claims["sub"]}

    return app
