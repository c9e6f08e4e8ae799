"""Adversarial submission: marks the code its tests do not reach with `pragma: no cover` / `no branch` so that the gate would not count it (honest code: 10, gate not met)"""


def add(a, b):
    return a + b


def mul(a, b):  # pragma: no cover
    return a * b


def fib(n):  # pragma: no cover
    if n < 0:  # pragma: no branch
        raise ValueError(n)
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
