"""Fixtures of the lab-09 graders: one key of each kind for the session, as the learner's typed keys
and as the raw `cryptography` objects the oracles (PyJWT, joserfc) take."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

SECRET = bytes(range(7, 7 + 48))  # 48 bytes: above the 32 HS256 needs


@dataclass(frozen=True)
class Material:
    secret: bytes
    rsa_private: Any
    ec_private: Any
    rsa_public_pem: bytes
    ec_public_pem: bytes


@pytest.fixture(scope="session")
def material() -> Material:
    rsa_private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_private = ec.generate_private_key(ec.SECP256R1())
    pem = serialization.Encoding.PEM
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return Material(
        SECRET,
        rsa_private,
        ec_private,
        rsa_private.public_key().public_bytes(pem, spki),
        ec_private.public_key().public_bytes(pem, spki),
    )
