import pytest
from toy import add, fib, mul


@pytest.mark.points(2)
@pytest.mark.part("A")
@pytest.mark.visibility("visible")
@pytest.mark.hints("Python's + operator adds two integers.", "return a + b")
def test_add() -> None:
    """add() adds two integers."""
    result = add(2, 3)
    assert type(result) is int and result == 5, f"add(2, 3) returned {result!r}, expected 5"


@pytest.mark.points(3)
@pytest.mark.part("A")
@pytest.mark.hints("Multiplication, not addition.")
def test_mul() -> None:
    """mul() multiplies two integers."""
    result = mul(4, 5)
    assert type(result) is int and result == 20, f"mul(4, 5) returned {result!r}, expected 20"


@pytest.mark.points(5)
@pytest.mark.part("B")
@pytest.mark.critical("the Fibonacci numbers are exact")
@pytest.mark.hints("fib(0) is 0, fib(1) is 1.", "Keep the last two numbers in two variables.")
def test_fib(partial_credit) -> None:  # type: ignore[no-untyped-def]
    """fib(n) is the n-th Fibonacci number (partial credit per n)."""
    partial_credit.total = 5
    for n, want in [(0, 0), (1, 1), (2, 1), (10, 55), (30, 832040)]:
        got = fib(n)
        partial_credit.check(type(got) is int and got == want, f"fib({n}) returned {got!r}, expected {want}")
