"""The service: users register, log in with the OAuth2 password grant, call `/me` with a bearer access
token, and renew it with rotating refresh tokens (RFC 6749 sections 4.3, 5 and 6; RFC 6750; RFC 9700
section 4.14 for rotation and reuse detection). `POST /token` is rate limited per username.

State lives in memory, behind one lock (FastAPI runs these handlers on a thread pool). Refresh tokens
are random strings the service stores only as SHA-256 digests; each belongs to a *family* that starts
at a login. Using a refresh token marks it used and returns a new one of the same family; using a used
one again means it was stolen (or the legitimate client's copy was): the whole family is revoked.
"""

from __future__ import annotations

from fastapi import FastAPI

from auth.settings import Settings

USERNAME_PATTERN = r"^[a-z0-9_]{3,32}$"

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def create_app(settings: Settings) -> FastAPI:
    """The FastAPI application of the README, configured by `settings`."""
    raise NotImplementedError("create_app: see README section 4.3")
