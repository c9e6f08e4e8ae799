import pytest
from toy import add, fib, mul


def test_add_mul() -> None:
    assert add(2, 3) == 5 and mul(2, 3) == 6


def test_fib() -> None:
    assert [fib(n) for n in range(7)] == [0, 1, 1, 2, 3, 5, 8]
    with pytest.raises(ValueError):
        fib(-1)
