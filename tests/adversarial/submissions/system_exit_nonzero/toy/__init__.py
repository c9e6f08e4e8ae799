"""Adversarial submission: mul raises SystemExit(3) (add and fib honest: 7)"""


def add(a, b):
    return a + b


def mul(a, b):
    raise SystemExit(3)


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
