"""Part B: password hashing with Argon2id."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type
from auth.passwords import hash_password, needs_rehash, verify_password
from auth_grading import error_name

pytestmark = [pytest.mark.part("B")]


def _parameters(stored: str) -> dict[str, int]:
    fields = stored.split("$")
    return {name: int(value) for name, value in (part.split("=") for part in fields[3].split(","))}


@pytest.mark.points(3)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "Use argon2-cffi's PasswordHasher with type=Type.ID: it makes the salt and the PHC string for you.",
    "Two hashes of the same password must differ (a fresh salt each time) and both must verify.",
)
def test_hash_and_verify(partial_credit):
    """hash_password gives a salted Argon2id PHC string that verify_password accepts (and only for its password)."""
    first, second = hash_password("correct horse battery"), hash_password("correct horse battery")
    partial_credit.check(
        type(first) is str and first.startswith("$argon2id$v=19$"), f"not an Argon2id hash: {first!r}"
    )
    partial_credit.check(first != second, "two hashes of one password are equal: no random salt?")
    partial_credit.check(
        verify_password(first, "correct horse battery") is True, "the right password is refused"
    )
    partial_credit.check(
        verify_password(second, "correct horse battery") is True, "the right password is refused"
    )
    partial_credit.check(
        verify_password(first, "correct horse batterY") is False, "a wrong password is accepted"
    )
    unicode = hash_password("pässwörd ✓")
    partial_credit.check(verify_password(unicode, "pässwörd ✓") is True, "a non-ASCII password is refused")
    partial_credit.check(
        verify_password(unicode, "passwörd ✓") is False, "a wrong non-ASCII password is accepted"
    )
    partial_credit.check("correct horse" not in first, "the hash contains the password")


@pytest.mark.points(2)
@pytest.mark.visibility("visible")
@pytest.mark.hints(
    "verify_password answers a question: a stored value that is not a hash is just 'no', not a crash.",
    "argon2-cffi raises VerifyMismatchError, InvalidHashError and VerificationError: all mean False.",
)
def test_verify_never_raises(partial_credit):
    """verify_password returns False (never raises) for garbage, empty, bcrypt and over-long inputs; hash_password
    refuses empty, over-long and non-str passwords."""
    good = hash_password("hunter22hunter22")
    cases = {
        "garbage stored value": ("not a hash", "x"),
        "empty stored value": ("", "x"),
        "bcrypt hash": ("$2b$12$C6UzMDM.H6dfI/f/IKxGhuYzNgIuXTL0eQyCznMXzZN1ALMdBe3Z6", "x"),
        "truncated hash": (good[:-10], "hunter22hunter22"),
        "empty password": (good, ""),
        "password of a megabyte": (good, "h" * 1_000_000),
        "password not a str": (good, b"hunter22hunter22"),
    }
    partial_credit.total = len(cases) + 4
    for label, (stored, password) in cases.items():
        got = error_name(lambda s=stored, p=password: verify_password(s, p))
        result = None if got != "no error" else verify_password(stored, password)
        partial_credit.check(
            result is False, f"{label}: expected False, got {got if got != 'no error' else result}"
        )
    partial_credit.check(
        error_name(lambda: hash_password("")) == "ValueError", "hash_password('') must raise ValueError"
    )
    got = error_name(lambda: hash_password(b"bytes-password"))  # type: ignore[arg-type]
    partial_credit.check(got == "TypeError", f"hash_password of bytes: expected TypeError, got {got}")
    got = error_name(lambda: hash_password("p" * 1025))
    partial_credit.check(
        got == "ValueError", f"hash_password of 1025 characters: expected ValueError, got {got}"
    )
    got = error_name(lambda: hash_password("p" * 1024))
    partial_credit.check(
        got == "no error", f"hash_password of 1024 characters (MAX_PASSWORD_LENGTH): got {got}"
    )


@pytest.mark.points(2)
@pytest.mark.hints(
    "PasswordHasher.check_needs_rehash compares a hash's parameters with the hasher's.",
    "A hash made with weaker settings (or Argon2i) should be upgraded at the next successful login.",
)
def test_needs_rehash(partial_credit):
    """needs_rehash is False for a fresh hash, True for weaker parameters, another variant or garbage."""
    partial_credit.check(
        needs_rehash(hash_password("a fine password")) is False, "a fresh hash needs a rehash?"
    )
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID).hash("a fine password")
    partial_credit.check(needs_rehash(weak) is True, "a hash with t=1, m=8 MiB does not need a rehash?")
    argon2i = PasswordHasher(type=Type.I).hash("a fine password")
    partial_credit.check(needs_rehash(argon2i) is True, "an Argon2i hash does not need a rehash?")
    partial_credit.check(
        needs_rehash("garbage") is True, "a value that is not a hash does not need a rehash?"
    )
    partial_credit.check(
        verify_password(weak, "a fine password") is True, "an older (weaker) hash must still verify"
    )


@pytest.mark.points(1)
@pytest.mark.hints("OWASP's minimum for Argon2id is 19 MiB of memory (m=19456) with 2 passes (t=2).")
def test_parameters_are_strong_enough():
    """The Argon2id parameters are at least OWASP's minimum (m >= 19456 KiB, t >= 2)."""
    found = _parameters(hash_password("parameters check"))
    assert found["m"] >= 19456 and found["t"] >= 2 and found["p"] >= 1, f"parameters too weak: {found}"
