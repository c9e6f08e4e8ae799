"""Keys bound to one algorithm each (RFC 7518 section 3), and a key set looked up by `kid`.

A key knows its algorithm: an `HMACKey` signs and verifies HS256 only, an `RSAKey` RS256 only, an `ECKey`
ES256 only. So a token cannot choose how its key is used: an RSA public key is never an HMAC secret.
The curve and modular arithmetic come from `cryptography`; this module does the JWS side of it
(which padding and hash, and the raw `R || S` form of ECDSA signatures, RFC 7518 section 3.4).
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography.hazmat.primitives.asymmetric import ec, rsa

MIN_HMAC_BYTES = 32  # RFC 7518 3.2: a key at least as long as the hash output

MIN_RSA_BITS = 2048  # RFC 7518 3.3

ES256_HALF = 32  # P-256: R and S are 32 bytes each


class HMACKey:
    """A shared secret for HS256 (HMAC with SHA-256); at least 32 bytes."""

    alg = "HS256"

    def __init__(self, secret: bytes, kid: str | None = None) -> None:
        raise NotImplementedError("HMACKey.__init__: see README section 4.1")

    def __repr__(self) -> str:
        raise NotImplementedError("HMACKey.__repr__: see README section 4.1")

    def sign(self, signing_input: bytes) -> bytes:
        """The HS256 MAC of `signing_input` (32 bytes)."""
        raise NotImplementedError("HMACKey.sign: see README section 4.1")

    def verify(self, signing_input: bytes, signature: bytes) -> bool:
        """Whether `signature` is the MAC of `signing_input`, compared in constant time."""
        raise NotImplementedError("HMACKey.verify: see README section 4.1")


class RSAKey:
    """An RSA key (private, or public only) for RS256 (RSASSA-PKCS1-v1_5 with SHA-256), 2048 bits or more."""

    alg = "RS256"

    def __init__(self, key: rsa.RSAPrivateKey | rsa.RSAPublicKey, kid: str | None = None) -> None:
        raise NotImplementedError("RSAKey.__init__: see README section 4.1")

    @classmethod
    def from_pem(cls, pem: bytes, kid: str | None = None) -> RSAKey:
        """Load a PEM private key (PKCS#8 or PKCS#1, unencrypted) or public key (SubjectPublicKeyInfo)."""
        raise NotImplementedError("RSAKey.from_pem: see README section 4.1")

    def public(self) -> RSAKey:
        """The same key with the private half dropped."""
        raise NotImplementedError("RSAKey.public: see README section 4.1")

    def sign(self, signing_input: bytes) -> bytes:
        """The RS256 signature of `signing_input`; `TypeError` for a public-only key."""
        raise NotImplementedError("RSAKey.sign: see README section 4.1")

    def verify(self, signing_input: bytes, signature: bytes) -> bool:
        """Whether `signature` is a valid RS256 signature of `signing_input`."""
        raise NotImplementedError("RSAKey.verify: see README section 4.1")


class ECKey:
    """A P-256 key (private, or public only) for ES256 (ECDSA with SHA-256, signatures as raw R || S)."""

    alg = "ES256"

    def __init__(
        self, key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey, kid: str | None = None
    ) -> None:
        raise NotImplementedError("ECKey.__init__: see README section 4.1")

    @classmethod
    def from_pem(cls, pem: bytes, kid: str | None = None) -> ECKey:
        """Load a PEM private key (PKCS#8 or SEC1, unencrypted) or public key (SubjectPublicKeyInfo)."""
        raise NotImplementedError("ECKey.from_pem: see README section 4.1")

    def public(self) -> ECKey:
        """The same key with the private half dropped."""
        raise NotImplementedError("ECKey.public: see README section 4.1")

    def sign(self, signing_input: bytes) -> bytes:
        """The ES256 signature of `signing_input`: R and S as 32-byte big-endian integers, concatenated."""
        raise NotImplementedError("ECKey.sign: see README section 4.1")

    def verify(self, signing_input: bytes, signature: bytes) -> bool:
        """Whether `signature` (64 bytes, R || S) is a valid ES256 signature of `signing_input`."""
        raise NotImplementedError("ECKey.verify: see README section 4.1")


Key = HMACKey | RSAKey | ECKey


class KeySet:
    """Several keys, each found by its `kid` (a plain name: never a path, a URL or a pattern)."""

    def __init__(self, keys: Iterable[Key]) -> None:
        raise NotImplementedError("KeySet.__init__: see README section 4.1")

    def __len__(self) -> int:
        raise NotImplementedError("KeySet.__len__: see README section 4.1")

    def find(self, kid: object, alg: str) -> Key:
        """The key a token's header names: by `kid` when it has one (exact match; `InvalidSignature` when
        unknown, `MalformedToken` when not a string), else the only key of the set; `AlgorithmNotAllowed`
        when the key is bound to another algorithm than `alg`."""
        raise NotImplementedError("KeySet.find: see README section 4.1")
