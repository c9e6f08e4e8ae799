"""Adversarial submission: add honest, mul off by one, fib right for n < 10 and crashing above (2 + 0 + 5*3/5 = 5)"""


def add(a, b):
    return a + b


def mul(a, b):
    return a * b + 1


def fib(n):
    if n >= 10:
        raise ValueError("too big")
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
