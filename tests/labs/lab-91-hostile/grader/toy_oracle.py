"""The graders' oracle for fib (the learner's package may not use it: lab.toml forbidden_imports)."""

from fractions import Fraction


def fib(n: int) -> int:
    a, b = Fraction(0), Fraction(1)
    for _ in range(n):
        a, b = b, a + b
    return int(a)
