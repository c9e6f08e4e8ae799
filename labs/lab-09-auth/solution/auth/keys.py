"""Keys bound to one algorithm each (RFC 7518 section 3), and a key set looked up by `kid`.

A key knows its algorithm: an `HMACKey` signs and verifies HS256 only, an `RSAKey` RS256 only, an `ECKey`
ES256 only. So a token cannot choose how its key is used: an RSA public key is never an HMAC secret.
The curve and modular arithmetic come from `cryptography`; this module does the JWS side of it
(which padding and hash, and the raw `R || S` form of ECDSA signatures, RFC 7518 section 3.4).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from cryptography.exceptions import InvalidSignature as _CryptoInvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from auth.errors import AlgorithmNotAllowed, InvalidSignature, MalformedToken

MIN_HMAC_BYTES = 32  # RFC 7518 3.2: a key at least as long as the hash output
MIN_RSA_BITS = 2048  # RFC 7518 3.3
ES256_HALF = 32  # P-256: R and S are 32 bytes each


def _check_kid(kid: str | None) -> str | None:
    if kid is not None and (not isinstance(kid, str) or not kid):
        raise ValueError("kid must be a non-empty string or None")
    return kid


class HMACKey:
    """A shared secret for HS256 (HMAC with SHA-256); at least 32 bytes."""

    alg = "HS256"

    def __init__(self, secret: bytes, kid: str | None = None) -> None:
        if not isinstance(secret, (bytes, bytearray)):
            raise TypeError("an HMAC secret is bytes")
        if len(secret) < MIN_HMAC_BYTES:
            raise ValueError(f"an HS256 secret needs at least {MIN_HMAC_BYTES} bytes")
        self._secret = bytes(secret)
        self.kid = _check_kid(kid)

    def __repr__(self) -> str:
        return f"HMACKey(kid={self.kid!r}, secret=***)"

    def sign(self, signing_input: bytes) -> bytes:
        """The HS256 MAC of `signing_input` (32 bytes)."""
        return hmac.new(self._secret, signing_input, hashlib.sha256).digest()

    def verify(self, signing_input: bytes, signature: bytes) -> bool:
        """Whether `signature` is the MAC of `signing_input`, compared in constant time."""
        return hmac.compare_digest(self.sign(signing_input), signature)


class RSAKey:
    """An RSA key (private, or public only) for RS256 (RSASSA-PKCS1-v1_5 with SHA-256), 2048 bits or more."""

    alg = "RS256"

    def __init__(self, key: rsa.RSAPrivateKey | rsa.RSAPublicKey, kid: str | None = None) -> None:
        if not isinstance(key, (rsa.RSAPrivateKey, rsa.RSAPublicKey)):
            raise TypeError("an RSAKey wraps a cryptography RSA private or public key")
        if key.key_size < MIN_RSA_BITS:
            raise ValueError(f"an RS256 key needs at least {MIN_RSA_BITS} bits")
        self._key = key
        self.kid = _check_kid(kid)

    @classmethod
    def from_pem(cls, pem: bytes, kid: str | None = None) -> RSAKey:
        """Load a PEM private key (PKCS#8 or PKCS#1, unencrypted) or public key (SubjectPublicKeyInfo)."""
        return cls(_load_pem(pem), kid)  # type: ignore[arg-type]

    def public(self) -> RSAKey:
        """The same key with the private half dropped."""
        key = self._key
        return RSAKey(key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key, self.kid)

    def sign(self, signing_input: bytes) -> bytes:
        """The RS256 signature of `signing_input`; `TypeError` for a public-only key."""
        if not isinstance(self._key, rsa.RSAPrivateKey):
            raise TypeError("a public RSA key cannot sign")
        return self._key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())

    def verify(self, signing_input: bytes, signature: bytes) -> bool:
        """Whether `signature` is a valid RS256 signature of `signing_input`."""
        public = self._key.public_key() if isinstance(self._key, rsa.RSAPrivateKey) else self._key
        if len(signature) != (public.key_size + 7) // 8:
            return False
        try:
            public.verify(signature, signing_input, padding.PKCS1v15(), hashes.SHA256())
        except _CryptoInvalidSignature:
            return False
        return True


class ECKey:
    """A P-256 key (private, or public only) for ES256 (ECDSA with SHA-256, signatures as raw R || S)."""

    alg = "ES256"

    def __init__(
        self, key: ec.EllipticCurvePrivateKey | ec.EllipticCurvePublicKey, kid: str | None = None
    ) -> None:
        if not isinstance(key, (ec.EllipticCurvePrivateKey, ec.EllipticCurvePublicKey)):
            raise TypeError("an ECKey wraps a cryptography elliptic-curve private or public key")
        if not isinstance(key.curve, ec.SECP256R1):
            raise ValueError("ES256 needs a key on P-256 (secp256r1)")
        self._key = key
        self.kid = _check_kid(kid)

    @classmethod
    def from_pem(cls, pem: bytes, kid: str | None = None) -> ECKey:
        """Load a PEM private key (PKCS#8 or SEC1, unencrypted) or public key (SubjectPublicKeyInfo)."""
        return cls(_load_pem(pem), kid)  # type: ignore[arg-type]

    def public(self) -> ECKey:
        """The same key with the private half dropped."""
        key = self._key
        return ECKey(key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key, self.kid)

    def sign(self, signing_input: bytes) -> bytes:
        """The ES256 signature of `signing_input`: R and S as 32-byte big-endian integers, concatenated."""
        if not isinstance(self._key, ec.EllipticCurvePrivateKey):
            raise TypeError("a public EC key cannot sign")
        r, s = decode_dss_signature(self._key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(ES256_HALF, "big") + s.to_bytes(ES256_HALF, "big")

    def verify(self, signing_input: bytes, signature: bytes) -> bool:
        """Whether `signature` (64 bytes, R || S) is a valid ES256 signature of `signing_input`."""
        if len(signature) != 2 * ES256_HALF:
            return False
        r = int.from_bytes(signature[:ES256_HALF], "big")
        s = int.from_bytes(signature[ES256_HALF:], "big")
        key = self._key
        public = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
        try:
            public.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
        except (_CryptoInvalidSignature, ValueError):
            return False
        return True


Key = HMACKey | RSAKey | ECKey


def _load_pem(pem: bytes) -> object:
    if b"PRIVATE KEY" in pem:
        return serialization.load_pem_private_key(pem, password=None)
    return serialization.load_pem_public_key(pem)


class KeySet:
    """Several keys, each found by its `kid` (a plain name: never a path, a URL or a pattern)."""

    def __init__(self, keys: Iterable[Key]) -> None:
        self._keys: dict[str, Key] = {}
        self._anonymous: list[Key] = []
        for key in keys:
            if not isinstance(key, (HMACKey, RSAKey, ECKey)):
                raise TypeError(f"a KeySet holds HMACKey, RSAKey or ECKey objects, got {type(key).__name__}")
            if key.kid is None:
                self._anonymous.append(key)
            elif key.kid in self._keys:
                raise ValueError(f"two keys share the kid {key.kid!r}")
            else:
                self._keys[key.kid] = key

    def __len__(self) -> int:
        return len(self._keys) + len(self._anonymous)

    def find(self, kid: object, alg: str) -> Key:
        """The key a token's header names: by `kid` when it has one (exact match; `InvalidSignature` when
        unknown, `MalformedToken` when not a string), else the only key of the set; `AlgorithmNotAllowed`
        when the key is bound to another algorithm than `alg`."""
        if kid is None:
            candidates = [*self._keys.values(), *self._anonymous]
            if len(candidates) != 1:
                raise InvalidSignature("the token names no kid and the key set holds more than one key")
            key = candidates[0]
        elif not isinstance(kid, str):
            raise MalformedToken("the kid header must be a string")
        elif kid not in self._keys:
            raise InvalidSignature("the token's kid names no known key")
        else:
            key = self._keys[kid]
        if key.alg != alg:
            raise AlgorithmNotAllowed(f"the key is bound to {key.alg}, the token says {alg}")
        return key
