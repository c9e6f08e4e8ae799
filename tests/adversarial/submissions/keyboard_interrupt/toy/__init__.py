"""Adversarial submission: add raises KeyboardInterrupt (mul and fib honest: 8)"""


def add(a, b):
    raise KeyboardInterrupt


def mul(a, b):
    return a * b


def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
