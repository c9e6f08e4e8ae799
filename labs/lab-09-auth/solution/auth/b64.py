"""base64url without padding (RFC 7515 section 2 and appendix C), strict in what it accepts."""

from __future__ import annotations

import base64
import re

from auth.errors import MalformedToken

_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")
_ZERO_BITS = {2: 0b1111, 3: 0b11}  # remainder of len % 4 -> mask of the unused bits of the last character
_VALUES = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")}


def b64url_encode(data: bytes) -> str:
    """`data` as base64url text with the trailing `=` padding removed."""
    if not isinstance(data, (bytes, bytearray)):
        raise TypeError(f"b64url_encode takes bytes, got {type(data).__name__}")
    return base64.urlsafe_b64encode(bytes(data)).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """The bytes of unpadded base64url `text`; `MalformedToken` for padding, characters outside the
    alphabet, an impossible length, or a non-canonical encoding (unused bits that are not zero)."""
    if not isinstance(text, str):
        raise MalformedToken(f"base64url input must be text, got {type(text).__name__}")
    if not _ALPHABET.fullmatch(text):
        raise MalformedToken("base64url input has a character outside the alphabet (or padding)")
    remainder = len(text) % 4
    if remainder == 1:
        raise MalformedToken("base64url input has an impossible length")
    if remainder and _VALUES[text[-1]] & _ZERO_BITS[remainder]:
        raise MalformedToken("base64url input is not canonical (its unused bits are not zero)")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
