"""Password storage with Argon2id (RFC 9106), through argon2-cffi.

A stored hash is the PHC string `$argon2id$v=19$m=…,t=…,p=…$salt$hash`: it carries its own salt and
parameters, so `verify_password` needs nothing else and `needs_rehash` can tell an old hash from one made
with today's `PARAMETERS`.
"""

from __future__ import annotations

PARAMETERS = {"time_cost": 2, "memory_cost": 19_456, "parallelism": 1, "hash_len": 32, "salt_len": 16}

MAX_PASSWORD_LENGTH = 1024  # characters: hashing a megabyte on every login attempt is a denial of service


def hash_password(password: str) -> str:
    """The Argon2id PHC string of `password` with a fresh random salt and `PARAMETERS`."""
    raise NotImplementedError("hash_password: see README section 4.2")


def verify_password(stored: str, password: str) -> bool:
    """Whether `password` matches the stored hash. A wrong password, a password of the wrong type or
    length, and a stored value that is not an Argon2 hash are all just `False`."""
    raise NotImplementedError("verify_password: see README section 4.2")


def needs_rehash(stored: str) -> bool:
    """Whether the stored hash was made with other parameters (or another variant) than today's."""
    raise NotImplementedError("needs_rehash: see README section 4.2")
