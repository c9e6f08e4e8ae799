"""base64url without padding (RFC 7515 section 2 and appendix C), strict in what it accepts."""

from __future__ import annotations


def b64url_encode(data: bytes) -> str:
    """`data` as base64url text with the trailing `=` padding removed."""
    raise NotImplementedError("b64url_encode: see README section 4.1")


def b64url_decode(text: str) -> bytes:
    """The bytes of unpadded base64url `text`; `MalformedToken` for padding, characters outside the
    alphabet, an impossible length, or a non-canonical encoding (unused bits that are not zero)."""
    raise NotImplementedError("b64url_decode: see README section 4.1")
