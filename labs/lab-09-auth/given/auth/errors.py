"""The errors `auth.jws` and `auth.jwt` raise (given, complete): one class per check that can fail.

Every error is a `TokenError`, so a caller that only needs "valid or not" catches that one class; a
caller that must tell the learner *why* (or log it) catches the precise one. The message of each says
which check failed, never the token, a key or a secret.
"""

from __future__ import annotations


class TokenError(Exception):
    """A token was refused."""


class MalformedToken(TokenError):
    """Not a well-formed JWS/JWT: bad base64url, bad JSON, wrong segment count, wrong claim types."""


class InvalidSignature(TokenError):
    """The signature does not verify with the key the token names (or no key is known for it)."""


class AlgorithmNotAllowed(TokenError):
    """`alg` is `none`, not in the caller's allow-list, or not the algorithm the key is bound to."""


class ExpiredToken(TokenError):
    """`exp` has passed (with the leeway)."""


class ImmatureToken(TokenError):
    """`nbf` (or `iat`) is still in the future (with the leeway)."""


class InvalidAudience(TokenError):
    """`aud` does not name the audience the caller expects (or names one when none is expected)."""


class InvalidIssuer(TokenError):
    """`iss` is not the issuer the caller expects."""


class MissingClaim(TokenError):
    """A claim the caller requires (or needs, to check `audience` / `issuer`) is absent."""
