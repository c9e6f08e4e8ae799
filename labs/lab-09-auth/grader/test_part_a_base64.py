"""Part A: strict base64url without padding (RFC 7515 section 2 and appendix C)."""

from __future__ import annotations

import base64
import random

import pytest
from auth.b64 import b64url_decode, b64url_encode
from auth.errors import MalformedToken
from auth_grading import error_name

pytestmark = [pytest.mark.part("A")]


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "base64url is base64 with '-' and '_' in place of '+' and '/', and JWS drops the '=' padding.",
    "Decoding must put back exactly the padding that was removed: len(text) % 4 tells you how much.",
)
def test_round_trip_of_every_length(partial_credit):
    """b64url_encode/b64url_decode agree with the standard alphabet, unpadded, for 0 to 64 bytes; encoding a
    str is a TypeError."""
    rng = random.Random(9)
    partial_credit.total = 66
    for n in range(65):
        data = bytes(rng.randrange(256) for _ in range(n))
        want = base64.urlsafe_b64encode(data).rstrip(b"=").decode()
        got = b64url_encode(data)
        back = b64url_decode(want)
        ok = type(got) is str and got == want and type(back) is bytes and back == data
        partial_credit.check(ok, f"{n} bytes: encode gave {got!r} (want {want!r}), decode gave {back!r}")
    failure = error_name(lambda: b64url_encode("text"))  # type: ignore[arg-type]
    partial_credit.check(failure == "TypeError", f"b64url_encode of a str: expected TypeError, got {failure}")


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "A strict decoder refuses what a lenient one silently fixes: '=' padding, '+', '/', spaces, newlines.",
    "A length of 4k+1 characters can never be produced by an encoder.",
    "In a 2- or 3-character final group some low bits are unused: an encoder always leaves them zero, so "
    "'QR' decodes to the same byte as 'QQ' but is not canonical.",
)
def test_strict_decoding_refuses_the_non_canonical(partial_credit):
    """b64url_decode raises MalformedToken for padding, foreign characters, bad lengths, non-zero spare bits."""
    assert b64url_decode("QQ") == b"A", "b64url_decode('QQ') must be b'A'"
    bad = {
        "padding": "QQ==",
        "one pad char": "QUI=",
        "plus": "a+b_",
        "slash": "a/b_",
        "space": "QU I",
        "newline": "QUJD\nREVG",
        "trailing newline": "QQ\n",
        "leading space": " QUJD",
        "length 4k+1": "QUJDR",
        "spare bits set (2 chars)": "QR",
        "spare bits set (3 chars)": "QUJ",
        "non-ASCII": "QUJ\u00e9",
        "dot": "QU.J",
    }
    partial_credit.total = len(bad) + 1
    for label, text in bad.items():
        got = error_name(lambda text=text: b64url_decode(text))
        partial_credit.check(
            got == "MalformedToken", f"{label} ({text!r}): expected MalformedToken, got {got}"
        )
    got = error_name(lambda: b64url_decode(b"QQ"))  # type: ignore[arg-type]
    partial_credit.check(got == "MalformedToken", f"bytes instead of str: expected MalformedToken, got {got}")
    assert issubclass(MalformedToken, Exception)
