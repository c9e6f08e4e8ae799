"""Password storage with Argon2id (RFC 9106), through argon2-cffi.

A stored hash is the PHC string `$argon2id$v=19$m=…,t=…,p=…$salt$hash`: it carries its own salt and
parameters, so `verify_password` needs nothing else and `needs_rehash` can tell an old hash from one made
with today's `PARAMETERS`.
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# OWASP's minimum for Argon2id: 19 MiB of memory, 2 passes, one lane.
PARAMETERS = {"time_cost": 2, "memory_cost": 19_456, "parallelism": 1, "hash_len": 32, "salt_len": 16}
MAX_PASSWORD_LENGTH = 1024  # characters: hashing a megabyte on every login attempt is a denial of service

_HASHER = PasswordHasher(**PARAMETERS, type=Type.ID)


def _check(password: str) -> None:
    if not isinstance(password, str):
        raise TypeError("a password is a str")
    if not password:
        raise ValueError("a password cannot be empty")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValueError(f"a password has at most {MAX_PASSWORD_LENGTH} characters")


def hash_password(password: str) -> str:
    """The Argon2id PHC string of `password` with a fresh random salt and `PARAMETERS`."""
    _check(password)
    return _HASHER.hash(password)


def verify_password(stored: str, password: str) -> bool:
    """Whether `password` matches the stored hash. A wrong password, a password of the wrong type or
    length, and a stored value that is not an Argon2 hash are all just `False`."""
    try:
        _check(password)
        return _HASHER.verify(stored, password)
    except (TypeError, ValueError, VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """Whether the stored hash was made with other parameters (or another variant) than today's."""
    try:
        return _HASHER.check_needs_rehash(stored)
    except (InvalidHashError, ValueError):
        return True
