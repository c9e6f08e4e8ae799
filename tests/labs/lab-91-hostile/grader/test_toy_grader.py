import pytest
import toy_oracle
from toy import add, fib, mul


@pytest.mark.points(2)
def test_add() -> None:
    """add() adds two integers."""
    result = add(2, 3)
    assert type(result) is int and result == 5, f"add(2, 3) returned {result!r}, expected 5"


@pytest.mark.points(3)
def test_mul() -> None:
    """mul() multiplies two integers."""
    result = mul(4, 5)
    assert type(result) is int and result == 20, f"mul(4, 5) returned {result!r}, expected 20"


@pytest.mark.points(5)
def test_fib(partial_credit) -> None:  # type: ignore[no-untyped-def]
    """fib(n) is the n-th Fibonacci number (partial credit per n)."""
    partial_credit.total = 5
    for n in [0, 1, 2, 10, 30]:
        partial_credit.check(*_fib_case(n))


def _fib_case(n: int) -> tuple[bool, str]:
    """The learner's call returns before the expected value exists in any frame it could walk."""
    got = fib(n)
    want = toy_oracle.fib(n)
    return type(got) is int and got == want, f"fib({n}) returned {got!r}, expected {want}"
